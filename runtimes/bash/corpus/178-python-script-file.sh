cat > stats.py <<'EOF'
import json, sys
nums = [int(x) for x in sys.argv[1:]]
print(json.dumps({"n": len(nums), "sum": sum(nums), "max": max(nums)}, sort_keys=True))
EOF
python3 stats.py 4 8 15 16 23 42 > stats.json
cat stats.json
jq -r '.sum' stats.json
python3 -c 'import sys; sys.exit(3)'; echo "python exit $?"
