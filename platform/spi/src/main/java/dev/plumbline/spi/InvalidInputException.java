package dev.plumbline.spi;

/**
 * A client mistake: bad parameter, tensor, file line or field. {@link #field()} names what is
 * wrong as a path (e.g. {@code parameters.beta}, {@code tensors.policy_chosen_logps.shape},
 * {@code data/prefs.jsonl:12 chosen}); the server turns it into INVALID_ARGUMENT.
 */
public class InvalidInputException extends RuntimeException {

    private final String field;

    public InvalidInputException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
