package dev.tollgate.it;

class TomcatApiKeyIT extends ApiKeyCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
