package dev.tollgate.it;

class TomcatFoundationIT extends FoundationCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
