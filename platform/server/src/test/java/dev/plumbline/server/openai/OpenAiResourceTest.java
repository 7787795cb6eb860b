package dev.plumbline.server.openai;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@QuarkusTest
class OpenAiResourceTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void listsModels() {
        given().get("/v1/models").then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data.id", hasItem("echo"));
    }

    @Test
    void completesAChat() {
        given().contentType("application/json")
                .body("{\"model\":\"echo\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hello\"}]}],\"max_tokens\":50}")
                .post("/v1/chat/completions").then().statusCode(200)
                .body("object", equalTo("chat.completion"))
                .body("choices[0].message.role", equalTo("assistant"))
                .body("choices[0].message.content", equalTo("echo: hello"))
                .body("choices[0].finish_reason", equalTo("stop"))
                .body("usage.completion_tokens", equalTo(11));
    }

    @Test
    void streamsServerSentEventsEndingWithDone() throws Exception {
        String body = given().contentType("application/json")
                .body("{\"model\":\"echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"abc\"}],"
                        + "\"stop\":[\"b\"]}")
                .post("/v1/chat/completions").then().statusCode(200)
                .contentType(org.hamcrest.Matchers.startsWith("text/event-stream"))
                .extract().asString();
        List<String> data = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            }
        }
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode chunk = JSON.readTree(d);
            assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
            text.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
            if (!chunk.path("choices").path(0).path("finish_reason").isNull()) {
                finish = chunk.path("choices").path(0).path("finish_reason").asText();
            }
        }
        assertThat(text).hasToString("echo: a");
        assertThat(finish).isEqualTo("stop");
    }

    @Test
    void errorsUseOpenAiShapeAndStatus() {
        given().contentType("application/json").body("{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .post("/v1/chat/completions").then().statusCode(404)
                .body("error.param", equalTo("model"))
                .body("error.type", equalTo("not_found_error"));
        given().contentType("application/json").body("{\"model\":\"echo\",\"messages\":[]}")
                .post("/v1/chat/completions").then().statusCode(400)
                .body("error.param", equalTo("messages"));
        given().contentType("application/json")
                .body("{\"model\":\"echo\",\"temperature\":-1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .post("/v1/chat/completions").then().statusCode(400)
                .body("error.param", equalTo(".temperature"));
    }
}
