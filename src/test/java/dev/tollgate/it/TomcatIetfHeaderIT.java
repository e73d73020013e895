package dev.tollgate.it;

class TomcatIetfHeaderIT extends IetfHeaderCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
