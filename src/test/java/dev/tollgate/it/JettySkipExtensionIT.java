package dev.tollgate.it;

class JettySkipExtensionIT extends SkipExtensionCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
