package dev.tollgate.it;

class JettyClientIpIT extends ClientIpCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
