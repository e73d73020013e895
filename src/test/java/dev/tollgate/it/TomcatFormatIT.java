package dev.tollgate.it;

class TomcatFormatIT extends FormatCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
