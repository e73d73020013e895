package dev.tollgate.it;

class JettyHiddenCredentialsIT extends HiddenCredentialsCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
