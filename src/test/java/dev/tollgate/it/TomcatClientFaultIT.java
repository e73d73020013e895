package dev.tollgate.it;

class TomcatClientFaultIT extends ClientFaultCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
