package dev.tollgate.it;

class JettySkipStaticIT extends SkipStaticCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
