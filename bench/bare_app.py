"""The yardstick for bench/saturation.py: a bare Flask app serving a 50-row Jinja table,
run under the same gunicorn settings as Shelter Bridge. What a page of ours serves per
second is reported as a share of what this page serves in the same run.

gunicorn --config deploy/gunicorn.conf.py 'bench.bare_app:app'
"""

from flask import Flask, render_template_string

app = Flask(__name__)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rows</title></head>
<body><table><thead><tr><th>#</th><th>Name</th><th>City</th><th>Beds</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.name }}</td><td>{{ row.city }}</td>
<td>{{ row.beds }}</td></tr>{% endfor %}</tbody></table></body></html>"""

ROWS = [{"id": i, "name": f"Place {i}", "city": f"City {i % 7}", "beds": i % 5}
        for i in range(50)]


@app.get("/")
def table():
    return render_template_string(PAGE, rows=ROWS)
