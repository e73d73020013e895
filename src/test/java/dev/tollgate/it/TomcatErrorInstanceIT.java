package dev.tollgate.it;

class TomcatErrorInstanceIT extends ErrorInstanceCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
