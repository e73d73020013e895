package dev.tollgate.it;

class TomcatNamespaceIT extends NamespaceCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
