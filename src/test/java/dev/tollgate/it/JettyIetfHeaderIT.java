package dev.tollgate.it;

class JettyIetfHeaderIT extends IetfHeaderCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
