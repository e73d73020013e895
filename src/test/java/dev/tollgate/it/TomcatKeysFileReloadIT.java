package dev.tollgate.it;

class TomcatKeysFileReloadIT extends KeysFileReloadCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
