package dev.tollgate.it;

class JettyAsyncErrorIT extends AsyncErrorCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.jetty();
    }
}
