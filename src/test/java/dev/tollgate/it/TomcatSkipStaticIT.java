package dev.tollgate.it;

class TomcatSkipStaticIT extends SkipStaticCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcatWithDefaultServlet();
    }
}
