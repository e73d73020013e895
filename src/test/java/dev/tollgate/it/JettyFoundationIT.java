package dev.tollgate.it;

class JettyFoundationIT extends FoundationCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
