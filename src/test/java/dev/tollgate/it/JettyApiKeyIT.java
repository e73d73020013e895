package dev.tollgate.it;

class JettyApiKeyIT extends ApiKeyCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
