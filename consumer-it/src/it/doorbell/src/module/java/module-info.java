/** A doorbell that chimes: a user's service plugin and recipe, as a module. */
module com.example.doorbell {
    requires com.fasterxml.jackson.databind;
    requires dev.recipes.core;
    requires dev.recipes.http.jdk;
    requires java.net.http;

    exports com.example.doorbell;

    provides dev.recipes.core.spi.Service with com.example.doorbell.DoorbellService;
}
