package dev.ioloop.boot.faults;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.web.client.RestClient;

/** Real clients of {@link FaultsApplication}: 6-byte words over TCP, and HTTP to the actuator. */
final class FaultsTestSupport {

    private final RestClient http;
    private final int port;

    FaultsTestSupport(int httpPort, int port) {
        this.http = RestClient.create("http://127.0.0.1:" + httpPort);
        this.port = port;
    }

    Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(US_ASCII));
        socket.getOutputStream().flush();
    }

    static String read(Socket socket, int n) throws IOException {
        return new String(socket.getInputStream().readNBytes(n), US_ASCII);
    }

    /** GETs a path and returns the body whatever the status (health answers 503 when DOWN). */
    String get(String path) {
        return http.get()
                .uri(path)
                .exchange((request, response) -> new String(response.getBody().readAllBytes(), US_ASCII));
    }

    String healthStatus() {
        return JsonPath.read(get("/actuator/health"), "$.components.ioloop.status");
    }

    double counter(String meter) {
        List<Double> count =
                JsonPath.read(get("/actuator/metrics/" + meter), "$.measurements[?(@.statistic == 'COUNT')].value");
        return count.get(0);
    }

    static int occurrences(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
