package dev.tollgate.it;

class JettyNamespaceIT extends NamespaceCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
