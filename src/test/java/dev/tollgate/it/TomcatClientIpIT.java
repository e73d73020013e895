package dev.tollgate.it;

class TomcatClientIpIT extends ClientIpCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
