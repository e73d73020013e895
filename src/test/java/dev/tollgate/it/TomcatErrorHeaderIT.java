package dev.tollgate.it;

class TomcatErrorHeaderIT extends ErrorHeaderCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
