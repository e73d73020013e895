package dev.tollgate.it;

class JettyClientFaultIT extends ClientFaultCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
