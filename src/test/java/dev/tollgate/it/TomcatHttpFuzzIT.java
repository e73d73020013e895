package dev.tollgate.it;

class TomcatHttpFuzzIT extends HttpFuzzCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
