/** A webhook ingress on the JDK's own HTTP server, {@code com.sun.net.httpserver}. */
package dev.recipes.http.jdk;
