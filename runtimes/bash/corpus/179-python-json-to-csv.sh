cat > conv.py <<'EOF'
import csv, json, sys
rows = json.load(open(sys.argv[1]))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["id", "name"])
for r in rows:
    w.writerow([r["id"], r["name"]])
EOF
echo '[{"id": 2, "name": "b, with comma"}, {"id": 1, "name": "a"}]' > in.json
python3 conv.py in.json > out.csv
cat out.csv
tail -n +2 out.csv | sort -t, -k1,1n | head -n 1
