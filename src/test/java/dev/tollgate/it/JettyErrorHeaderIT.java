package dev.tollgate.it;

class JettyErrorHeaderIT extends ErrorHeaderCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
