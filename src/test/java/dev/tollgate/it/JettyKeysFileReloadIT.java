package dev.tollgate.it;

class JettyKeysFileReloadIT extends KeysFileReloadCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
