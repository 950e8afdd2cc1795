"""
Every relative `](path#anchor)` link in README.md, CHANGELOG.md and docs/*.md names an existing file, and its anchor
a heading of that file (GitHub's heading ids). Run from the repository's root: python3 .ci/check-doc-links.py
Arguments name files a link may point to before they exist (e.g. a page another branch adds).
"""
import glob, os, re, sys

ALLOWED_MISSING = set(sys.argv[1:])  # files that exist only after a merge

def slug(heading):
    s = heading.strip().lower()
    s = s.replace('`', '')
    s = re.sub(r'[^\w\- ]', '', s)
    return s.replace(' ', '-')

def anchors(path):
    out, seen = set(), {}
    in_code = False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'):
            in_code = not in_code
            continue
        m = re.match(r'^(#{1,6})\s+(.*)', line)
        if m and not in_code:
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f'{base}-{n}')
    return out

bad = 0
files = [f for f in ['README.md', 'CHANGELOG.md'] if os.path.exists(f)] + sorted(glob.glob('docs/*.md'))
for f in files:
    text = open(f, encoding='utf-8').read()
    text = re.sub(r'```.*?```', '', text, flags=re.S)
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'^[a-z]+:', target):
            continue
        path, _, anchor = target.partition('#')
        dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
        if not os.path.exists(dest):
            if dest in ALLOWED_MISSING:
                print(f'{f}: {target} (exists after merge)')
                continue
            print(f'BROKEN {f}: {target} (no file {dest})'); bad += 1; continue
        if anchor and dest.endswith('.md') and anchor not in anchors(dest):
            print(f'BROKEN {f}: {target} (no heading #{anchor} in {dest})'); bad += 1
print(f'{bad} broken link(s) in {len(files)} files')
sys.exit(1 if bad else 0)
