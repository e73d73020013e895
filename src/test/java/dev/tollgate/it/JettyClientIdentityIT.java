package dev.tollgate.it;

class JettyClientIdentityIT extends ClientIdentityCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
