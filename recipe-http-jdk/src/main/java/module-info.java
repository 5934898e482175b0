/**
 * A webhook ingress for the recipes engine on the JDK's own HTTP server.
 */
module dev.recipes.http.jdk {
    requires transitive dev.recipes.core;
    requires jdk.httpserver;
    requires org.slf4j;

    exports dev.recipes.http.jdk;
}
