/**
 * A webhook ingress for the recipes engine built on the JDK alone.
 */
module dev.recipes.http.jdk {
    requires transitive dev.recipes.core;
    requires org.slf4j;

    exports dev.recipes.http.jdk;
}
