package dev.tollgate.apikey;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request as the application sees it after a key was accepted: the client id is the remote
 * user and the principal; with {@code hide-credentials}, the key headers and the key's query
 * parameter are gone from every getter.
 */
final class AuthenticatedRequest extends HttpServletRequestWrapper {

    private final String clientId;
    private final List<String> hiddenHeaders;
    private final String hiddenParameter;
    private final HttpServletRequest original;
    private String queryString;
    private boolean queryStringDone;

    /**
     * {@code keyHeaders} null: no header hidden; {@code keyParameter} null: no parameter hidden;
     * {@code clientId} null: only hides (a report-only pass without a valid key), the user is the container's.
     */
    AuthenticatedRequest(HttpServletRequest request, String clientId, List<String> keyHeaders, boolean hideAuthorization,
            String keyParameter) {
        super(request);
        this.original = request;
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
        this.hiddenParameter = keyParameter;
    }

    /** The request below any {@link AuthenticatedRequest}s directly around it: what the client sent. */
    static HttpServletRequest unwrap(HttpServletRequest request) {
        HttpServletRequest r = request;
        while (r instanceof AuthenticatedRequest authenticated) {
            r = authenticated.original;
        }
        return r;
    }

    @Override
    public String getRemoteUser() {
        return clientId == null ? super.getRemoteUser() : clientId;
    }

    @Override
    public Principal getUserPrincipal() {
        return clientId == null ? super.getUserPrincipal() : new ClientPrincipal(clientId);
    }

    @Override
    public String getAuthType() {
        return clientId == null ? super.getAuthType() : ApiKeyFilter.AUTH_TYPE;
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
    public long getDateHeader(String name) {
        return hidden(name) ? -1 : super.getDateHeader(name);
    }

    @Override
    public int getIntHeader(String name) {
        return hidden(name) ? -1 : super.getIntHeader(name);
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

    private boolean isHiddenParameter(String name) {
        return hiddenParameter != null && hiddenParameter.equals(name);
    }

    @Override
    public String getParameter(String name) {
        return isHiddenParameter(name) ? null : super.getParameter(name);
    }

    @Override
    public String[] getParameterValues(String name) {
        return isHiddenParameter(name) ? null : super.getParameterValues(name);
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        Map<String, String[]> all = super.getParameterMap();
        if (hiddenParameter == null || !all.containsKey(hiddenParameter)) {
            return all;
        }
        Map<String, String[]> rest = new LinkedHashMap<>(all);
        rest.remove(hiddenParameter);
        return Collections.unmodifiableMap(rest);
    }

    @Override
    public Enumeration<String> getParameterNames() {
        if (hiddenParameter == null) {
            return super.getParameterNames();
        }
        List<String> names = Collections.list(super.getParameterNames());
        names.remove(hiddenParameter);
        return Collections.enumeration(names);
    }

    @Override
    public String getQueryString() {
        if (hiddenParameter == null) {
            return super.getQueryString();
        }
        if (!queryStringDone) {
            queryString = withoutParameter(super.getQueryString(), hiddenParameter);
            queryStringDone = true;
        }
        return queryString;
    }

    /**
     * {@code query} without the pairs whose decoded name is {@code name}; the other pairs are kept
     * as they were, in their order; {@code null} when nothing is left.
     */
    static String withoutParameter(String query, String name) {
        if (query == null || query.isEmpty()) {
            return query;
        }
        List<String> rest = new ArrayList<>();
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (!KeyExtractor.decode(eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
                rest.add(pair);
            }
        }
        return rest.isEmpty() ? null : String.join("&", rest);
    }

    /** The principal of a key's client: its client id. */
    record ClientPrincipal(String getName) implements Principal {
    }
}
