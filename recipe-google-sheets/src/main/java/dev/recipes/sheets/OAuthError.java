package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * An error answer of an OAuth 2.0 token endpoint (RFC 6749, section 5.2):
 * {@code {"error":"invalid_grant","error_description":"..."}}.
 *
 * @param error the error code, such as {@code invalid_grant}, or empty when the body had none
 * @param description the description, or empty
 */
record OAuthError(String error, String description) {

    /**
     * Reads an error body; anything else gives an empty error.
     *
     * @param body the response body
     * @param json a mapper
     * @return the error, never {@code null}
     */
    static OAuthError parse(byte[] body, ObjectMapper json) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException | RuntimeException e) {
            return new OAuthError("", "");
        }
        if (root == null || !root.path("error").isTextual()) {
            return new OAuthError("", "");
        }
        return new OAuthError(GoogleError.clean(root.path("error").asText()),
                GoogleError.clean(root.path("error_description").asText("")));
    }

    /**
     * Describes the error for an exception message.
     *
     * @return such as {@code invalid_grant: Invalid JWT Signature.}
     */
    String describe() {
        if (error.isEmpty()) {
            return "no OAuth error details in the response";
        }
        return description.isEmpty() ? error : error + ": " + description;
    }
}
