package dev.tollgate.it;

class TomcatClientIdentityIT extends ClientIdentityCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
