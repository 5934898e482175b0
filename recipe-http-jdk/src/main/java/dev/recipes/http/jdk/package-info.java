/** A webhook ingress: an HTTP/1.1 server built on the JDK alone ({@code java.nio}). */
package dev.recipes.http.jdk;
