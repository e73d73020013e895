package dev.tollgate.it;

import java.util.List;

class TomcatClientFaultIT extends ClientFaultCases {
    @Override
    EmbeddedContainer newContainer() {
        return EmbeddedContainer.tomcat();
    }

    /** Tomcat refuses more than 8 KB of chunk extensions and of trailers by default. */
    @Override
    List<String> overLimitChunkedBodies() {
        return List.of(
                "5;ext=" + "e".repeat(20_000) + "\r\nhello\r\n0\r\n\r\n",
                "5\r\nhello\r\n0\r\nX-Trailer: " + "t".repeat(20_000) + "\r\n\r\n");
    }
}
