package dev.tollgate.it;

class TomcatFailedKeyFilterStartupIT extends FailedKeyFilterStartupCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
