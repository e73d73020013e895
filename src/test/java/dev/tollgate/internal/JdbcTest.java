package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** No password of a JDBC URL, whatever its form, in a message or a log line. */
class JdbcTest {

    @Test
    void shouldHideEveryFormOfPassword() {
        String[] secrets = {
            "jdbc:postgresql://db:5432/app?user=app&password=s3cret&ssl=true",
            "jdbc:postgresql://db:5432/app?user=app&password1=s3cret",
            "jdbc:sqlserver://db:1433;databaseName=app;user=app;pwd=s3cret",
            "jdbc:mysql://app:s3cret@db:3306/app",
            "jdbc:mysql://app:s3c@ret@db:3306/app",
            "jdbc:oracle:thin:scott/s3cret@db:1521:orcl",
            "jdbc:oracle:thin:scott/s3c@ret@db:1521:orcl",
        };
        for (String url : secrets) {
            for (String part : new String[] {"s3c", "ret"}) {
                assertFalse(Jdbc.mask(url).contains(part), url + " -> " + Jdbc.mask(url));
                assertFalse(Jdbc.describe(url).contains(part), url + " -> " + Jdbc.describe(url));
            }
        }
        assertEquals("jdbc:postgresql://db:5432/app", Jdbc.describe(secrets[0]));
        assertEquals("jdbc:sqlserver://db:1433", Jdbc.describe(secrets[2]));
        assertEquals("jdbc:mysql://***@db:3306/app", Jdbc.describe(secrets[3]));
        assertEquals("jdbc:oracle:thin:***@db:1521:orcl", Jdbc.describe(secrets[5]));
        assertEquals("FATAL: password=*** rejected", Jdbc.mask("FATAL: password=s3cret rejected"));
    }
}
