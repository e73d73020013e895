package dev.tollgate.it;

class TomcatHiddenCredentialsIT extends HiddenCredentialsCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
