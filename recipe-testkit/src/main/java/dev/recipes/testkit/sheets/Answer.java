package dev.recipes.testkit.sheets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * An HTTP answer of the fake, with helpers for the two error shapes Google uses.
 *
 * @param status the HTTP status
 * @param body the JSON body, or an empty string
 * @param headers extra headers
 */
record Answer(int status, String body, Map<String, String> headers) {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Copies the headers. */
    Answer {
        headers = Map.copyOf(headers);
    }

    static Answer json(int status, ObjectNode body) {
        return new Answer(status, body.toString(), Map.of());
    }

    /**
     * A Google API error: {@code {"error":{"code","message","status"}}}.
     *
     * @param code the HTTP status
     * @param status the google.rpc code, such as {@code INVALID_ARGUMENT}
     * @param message the message
     * @return the answer
     */
    static Answer googleError(int code, String status, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("code", code).put("message", message).put("status", status);
        return json(code, error);
    }

    /**
     * An OAuth 2.0 token endpoint error (RFC 6749): {@code {"error","error_description"}}.
     *
     * @param status the HTTP status, 400 or 401
     * @param error the error code, such as {@code invalid_grant}
     * @param description the description
     * @return the answer
     */
    static Answer oauthError(int status, String error, String description) {
        return json(status, JSON.createObjectNode().put("error", error)
                .put("error_description", description));
    }
}
