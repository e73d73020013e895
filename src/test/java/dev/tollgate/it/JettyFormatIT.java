package dev.tollgate.it;

class JettyFormatIT extends FormatCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
