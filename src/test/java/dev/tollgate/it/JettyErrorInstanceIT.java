package dev.tollgate.it;

class JettyErrorInstanceIT extends ErrorInstanceCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
