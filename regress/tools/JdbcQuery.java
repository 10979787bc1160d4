/*
 * JdbcQuery: one query through pgjdbc, for regress/t/pg-client-tls-jdbc.sh.
 *
 *	java -cp postgresql.jar JdbcQuery.java URL SQL
 *
 * Java's source launcher runs it: nothing to build.  It prints the first
 * column of each row, or "error SQLSTATE: message" (exit 1) when the
 * connection or the query fails.
 */
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

public class JdbcQuery {
	public static void main(String[] args) {
		try (Connection c = DriverManager.getConnection(args[0]);
		    Statement s = c.createStatement();
		    ResultSet r = s.executeQuery(args[1])) {
			while (r.next())
				System.out.println(r.getString(1));
		} catch (SQLException e) {
			System.out.println("error " + e.getSQLState() + ": " +
			    e.getMessage());
			System.exit(1);
		}
	}
}
