import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import java.net.InetSocketAddress;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/**
 * DynamoDB Local bound to 127.0.0.1. Its own launcher (ServerRunner) builds a Jetty server on a port of every
 * interface and has no host option; this builds the same request handler (in memory, one shared database) and the
 * same handler chain as DynamoDBProxyServer, on a loopback address. No telemetry is set up (ServerRunner would), and
 * no CORS origin is allowed (nothing in a browser talks to it). Usage: java -cp <this>:DynamoDBLocal.jar
 * LoopbackDynamoDbLocal <port>
 */
public final class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    LocalDynamoDBServerHandler handler = new LocalDynamoDBServerHandler(new LocalDynamoDBRequestHandler(0, true, null, true, false), null);
    ContextHandler context = new ContextHandler();
    context.setHandler(handler);
    ContextHandlerCollection handlers = new ContextHandlerCollection();
    handlers.addHandler(context);
    Server server = new Server(new InetSocketAddress("127.0.0.1", port));
    server.setHandler(handlers);
    server.start();
    server.join();
  }
}
