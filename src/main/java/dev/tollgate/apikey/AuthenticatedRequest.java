package dev.tollgate.apikey;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The request as the application sees it after a key was accepted: the client id is the remote
 * user and the principal; with {@code hide-credentials}, the key headers are gone.
 */
final class AuthenticatedRequest extends HttpServletRequestWrapper {

    private final String clientId;
    private final List<String> hiddenHeaders;

    /** {@code hiddenHeaders} null: nothing hidden. */
    AuthenticatedRequest(HttpServletRequest request, String clientId, List<String> keyHeaders, boolean hideAuthorization) {
        super(request);
        this.clientId = clientId;
        if (keyHeaders == null) {
            this.hiddenHeaders = List.of();
        } else {
            List<String> hidden = new ArrayList<>(keyHeaders);
            if (hideAuthorization) {
                hidden.add("Authorization");
            }
            this.hiddenHeaders = List.copyOf(hidden);
        }
    }

    @Override
    public String getRemoteUser() {
        return clientId;
    }

    @Override
    public Principal getUserPrincipal() {
        return new ClientPrincipal(clientId);
    }

    @Override
    public String getAuthType() {
        return ApiKeyFilter.AUTH_TYPE;
    }

    private boolean hidden(String name) {
        for (String h : hiddenHeaders) {
            if (h.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String getHeader(String name) {
        return hidden(name) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        return hidden(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        if (hiddenHeaders.isEmpty()) {
            return super.getHeaderNames();
        }
        List<String> names = new ArrayList<>();
        for (String name : Collections.list(super.getHeaderNames())) {
            if (!hidden(name)) {
                names.add(name);
            }
        }
        return Collections.enumeration(names);
    }

    /** The principal of a key's client: its client id. */
    record ClientPrincipal(String getName) implements Principal {
    }
}
