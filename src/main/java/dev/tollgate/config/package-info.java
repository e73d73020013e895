/**
 * Internal: init-param parsing, path patterns and the cross-filter plan check that the filters'
 * packages share. Public only because Java has no narrower visibility across packages; not API,
 * and may change in any release.
 */
package dev.tollgate.config;
