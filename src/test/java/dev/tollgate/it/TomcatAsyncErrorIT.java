package dev.tollgate.it;

class TomcatAsyncErrorIT extends AsyncErrorCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }
}
