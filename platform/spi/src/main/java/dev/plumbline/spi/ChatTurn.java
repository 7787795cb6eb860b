package dev.plumbline.spi;

/** One chat message; role is {@code system}, {@code user} or {@code assistant}. */
public record ChatTurn(String role, String content) {

    public static ChatTurn user(String content) {
        return new ChatTurn("user", content);
    }

    public static ChatTurn assistant(String content) {
        return new ChatTurn("assistant", content);
    }

    public static ChatTurn system(String content) {
        return new ChatTurn("system", content);
    }
}
