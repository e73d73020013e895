package dev.tollgate.it;

class TomcatSkipExtensionIT extends SkipExtensionCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcatWithDefaultServlet();
    }
}
