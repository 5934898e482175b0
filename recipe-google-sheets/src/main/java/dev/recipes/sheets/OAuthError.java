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
     * Returns a copy in which the values of secrets the endpoint may have echoed, such as the
     * refresh token or the client secret, are masked; this error's text goes into log lines,
     * failures and the connection's settings.
     *
     * @param secrets the values to mask; null ones and ones under 4 characters are skipped
     * @return the masked copy
     */
    OAuthError masking(String... secrets) {
        String code = error;
        String text = description;
        for (String secret : secrets) {
            if (secret != null && secret.length() >= 4) {
                code = code.replace(secret, "***");
                text = text.replace(secret, "***");
            }
        }
        return new OAuthError(code, text);
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
