"""The one language table: every user-facing sentence in Korean and English."""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["ko", "en"]
LANGUAGES: tuple[Lang, ...] = ("ko", "en")

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[^\W_]+(?:[-_./'][^\W_]+)*")  # letters and digits, joined by - _ . / or '
_IDENTIFIER = re.compile(r"[0-9_./-]")
# Metric and unit names typed in Latin letters in Korean questions as often as in English ones.
_SHARED_TERMS = frozenset({"cpu", "memory", "mem", "ram", "swap", "disk", "inode", "network", "latency",
                           "ms", "mbps", "gb", "mb", "kb"})

TEXT: dict[str, dict[Lang, str]] = {
    "access.prompt": {"ko": "이 페이지는 변경 권한이 필요합니다. 관리자 API 키를 입력하세요.",
                      "en": "This page changes the fleet. Enter an admin API key."},
    "access.prompt_generated": {
        "ko": "운영자가 API 키를 설정하지 않아 서버와 같은 컴퓨터의 브라우저만 바로 변경할 수 있습니다. "
              "다른 곳에서는 서버 시작 로그에 출력된 관리자 키(또는 로그인 링크)를 사용하세요. "
              "키는 서버의 {path} 파일에 있습니다.",
        "en": "The operator configured no API key, so only a browser on the server's own machine "
              "may change things without one. From anywhere else, use the admin key (or sign-in "
              "link) printed in the server's start-up log; the key is kept in {path} on the server."},
    "access.key": {"ko": "관리자 API 키", "en": "Admin API key"},
    "access.unlock": {"ko": "확인", "en": "Unlock"},
    "access.wrong_key": {"ko": "API 키가 올바르지 않습니다.", "en": "That API key is not valid."},
    "access.read_only_key": {"ko": "읽기 전용 키로는 변경할 수 없습니다.",
                             "en": "A read-only key cannot change anything."},
    "access.signed_in_by_link": {"ko": "로그인 링크로 관리자 키가 확인되었습니다.",
                                 "en": "Signed in with the admin key from the link."},
    "access.as_key": {"ko": "관리자 키 {key_id}로 로그인됨", "en": "Signed in with admin key {key_id}"},
    "access.as_user": {"ko": "로그인한 사용자로 변경 가능", "en": "Signed in as a user"},
    "access.as_this_machine": {"ko": "이 서버 컴퓨터의 브라우저로 로그인됨",
                               "en": "Signed in as this machine (the server's own browser)"},
    "access.as_open_demo": {"ko": "공개 데모: 누구나 변경 가능 (관리자 키 입력)",
                            "en": "Open demo: anyone may change the demo (enter an admin key)"},
    "access.reset_needs_key": {
        "ko": "초기화하려면 장애 시나리오 또는 관리자 페이지 맨 위의 키 입력란에 관리자 API 키를 입력하세요.",
        "en": "To reset, enter an admin API key in the key field at the top of the incidents or "
              "admin page."},
    "access.login": {"ko": "로그인", "en": "Log in"},
    "access.loopback_only": {
        "ko": "API 키가 설정되지 않았고 데이터 폴더에 관리자 키를 만들 수 없어, 이 서버와 같은 "
              "컴퓨터에서만 변경할 수 있습니다. OPENMANAGER_API_KEYS 를 설정하세요.",
        "en": "No API key is configured and none could be stored in the data folder, so changes "
              "are allowed only from this server's own machine. Set OPENMANAGER_API_KEYS."},
    "deployed": {"ko": "⚡ {hostname} 서버 배포됨", "en": "⚡ {hostname} server deployed"},
    "complete": {"ko": "🎉 모든 서버 배포 완료!", "en": "🎉 All servers deployed!"},
    "reset": {"ko": "🔄 배포가 초기화되었습니다", "en": "🔄 Deployment reset"},
    "status": {"ko": "{current} / {total} 서버 배포됨", "en": "{current} / {total} servers deployed"},
    "uptime_days": {"ko": "{d}일 {h}시간", "en": "{d}d {h}h"},
    "uptime_hours": {"ko": "{h}시간 {m}분", "en": "{h}h {m}m"},
    "uptime_minutes": {"ko": "{m}분 {s}초", "en": "{m}m {s}s"},
    "status.online": {"ko": "정상", "en": "Online"},
    "status.warning": {"ko": "경고", "en": "Warning"},
    "status.critical": {"ko": "위험", "en": "Critical"},
    "status.offline": {"ko": "오프라인", "en": "Offline"},
    "metric.cpu": {"ko": "CPU", "en": "CPU"},
    "metric.memory": {"ko": "메모리", "en": "memory"},
    "metric.disk": {"ko": "디스크", "en": "disk"},
    "metric.network_in": {"ko": "네트워크 수신", "en": "network in"},
    "metric.network_out": {"ko": "네트워크 송신", "en": "network out"},
    "metric.response_time": {"ko": "응답 시간", "en": "response time"},
    "metric.active_connections": {"ko": "활성 연결", "en": "active connections"},
    "alert.metric": {"ko": "{metric} {value} ≥ {threshold} ({level})",
                     "en": "{metric} {value} ≥ {threshold} ({level})"},
    "alert.service.stopped": {"ko": "{service} 중지됨 (포트 {port})", "en": "{service} stopped, port {port}"},
    "alert.service.degraded": {"ko": "{service} 성능 저하 (포트 {port})",
                               "en": "{service} degraded, port {port}"},
    "alert.host": {"ko": "호스트 다운: 메트릭 없음, 서비스 {n}개 중지",
                   "en": "host down: no metrics, {n} services stopped"},
    "alerts.rule.metric": {"ko": "{metric} {level} 임계값", "en": "{metric} {level} threshold"},
    "alerts.rule.host_down": {"ko": "호스트 다운", "en": "Host down"},
    "alerts.rule.service_stopped": {"ko": "서비스 중지", "en": "Service not running"},
    "alerts.rule.anomaly": {"ko": "이상 징후", "en": "Anomaly"},
    "alerts.rule.anomaly_metric": {"ko": "{metric} 이상 징후", "en": "{metric} anomaly"},
    "alerts.rule.forecast": {"ko": "{metric} {horizon} 안에 가득 참 예측",
                             "en": "{metric} full within {horizon} (forecast)"},
    "alerts.summary.host_down": {"ko": "메트릭 없음: 호스트가 응답하지 않음",
                                 "en": "no metrics: the host does not answer"},
    "alerts.summary.service": {"ko": "실행 중이 아님: {services}", "en": "not running: {services}"},
    "alerts.summary.anomaly": {"ko": "{metric} {value} (평소 {usual})",
                               "en": "{metric} {value} (usually {usual})"},
    "alerts.summary.forecast": {"ko": "{metric} {eta} 후 가득 참 (현재 {value})",
                                "en": "{metric} full in {eta} (now {value})"},
    "alerts.severity.critical": {"ko": "위험", "en": "critical"},
    "alerts.severity.warning": {"ko": "경고", "en": "warning"},
    "alerts.severity.info": {"ko": "정보", "en": "info"},
    "alerts.state.pending": {"ko": "대기", "en": "pending"},
    "alerts.state.firing": {"ko": "발생", "en": "firing"},
    "alerts.state.resolved": {"ko": "해결", "en": "resolved"},
    "alerts.duration.seconds": {"ko": "{s}초", "en": "{s} s"},
    "alerts.duration.exact_minutes": {"ko": "{m}분", "en": "{m} min"},
    "alerts.duration.exact_hours": {"ko": "{h}시간", "en": "{h} h"},
    "alerts.message.title": {"ko": "[OpenManager 알림] 발생 {firing}건 · 해결 {resolved}건",
                             "en": "[OpenManager alerts] {firing} firing · {resolved} resolved"},
    "alerts.message.firing": {
        "ko": "🔴 [{severity}] {host} · {rule}\n{summary}\n{since}부터 ({ago} 전) · {link}",
        "en": "🔴 [{severity}] {host} · {rule}\n{summary}\nsince {since} ({ago} ago) · {link}"},
    "alerts.message.diagnosis": {"ko": "AI 진단: {line}", "en": "AI diagnosis: {line}"},
    "alerts.message.resolved": {
        "ko": "✅ [해결] {host} · {rule}\n{duration} 동안 지속 ({since} ~ {until}) · {link}",
        "en": "✅ [resolved] {host} · {rule}\nlasted {duration} ({since} to {until}) · {link}"},
    "alerts.message.test_title": {"ko": "[OpenManager 알림] 테스트 알림",
                                  "en": "[OpenManager alerts] Test notification"},
    "alerts.message.test_body": {"ko": "OpenManager 알림 채널이 동작합니다. {link}",
                                 "en": "The OpenManager alert channel works. {link}"},
    "alerts.page.caption": {
        "ko": "규칙은 임계값 표와 AI 1계층의 이상·예측 신호를 그대로 씁니다. 알림 채널: {channels}개.",
        "en": "Rules read the threshold table and tier 1's anomaly and forecast signals. "
              "Notification channels: {channels}."},
    "alerts.page.server": {"ko": "서버", "en": "Server"},
    "alerts.page.all_servers": {"ko": "모든 서버", "en": "All servers"},
    "alerts.page.severity": {"ko": "심각도", "en": "Severity"},
    "alerts.page.active": {"ko": "발생 {firing}건 · 대기 {pending}건",
                           "en": "{firing} firing · {pending} pending"},
    "alerts.page.none_active": {"ko": "지금 발생하거나 대기 중인 알림이 없습니다.",
                                "en": "No alert is firing or pending."},
    "alerts.page.since": {"ko": "{since}부터 · {age} 전", "en": "since {since} · {age} ago"},
    "alerts.page.silenced": {"ko": "🔕 무음", "en": "🔕 silenced"},
    "alerts.page.acked": {"ko": "✋ {who} 확인", "en": "✋ acknowledged by {who}"},
    "alerts.page.silence": {"ko": "1시간 무음", "en": "Silence 1 h"},
    "alerts.page.ack": {"ko": "확인", "en": "Acknowledge"},
    "alerts.page.open_server": {"ko": "서버 보기", "en": "Open server"},
    "alerts.page.silenced_toast": {"ko": "{host}의 {rule} 알림을 1시간 무음으로 설정했습니다.",
                                   "en": "Silenced {rule} on {host} for 1 h."},
    "alerts.page.acked_toast": {"ko": "알림을 확인했습니다.", "en": "Alert acknowledged."},
    "alerts.page.from_page": {"ko": "알림 페이지에서 무음 설정", "en": "Silenced from the alerts page"},
    "alerts.page.resolved": {"ko": "최근 해결", "en": "Recently resolved"},
    "alerts.page.none_resolved": {"ko": "해결된 알림이 아직 없습니다.", "en": "No alert has resolved yet."},
    "alerts.page.silences": {"ko": "무음", "en": "Silences"},
    "alerts.page.none_silences": {"ko": "적용 중인 무음이 없습니다.", "en": "No silence is in effect."},
    "alerts.page.silence_row": {"ko": "{target} · {until}까지 · {who}: {comment}",
                                "en": "{target} · until {until} · {who}: {comment}"},
    "alerts.page.every_rule": {"ko": "모든 규칙", "en": "every rule"},
    "alerts.page.end_silence": {"ko": "해제", "en": "End"},
    "alerts.page.new_silence": {"ko": "무음 추가", "en": "Add a silence"},
    "alerts.page.any": {"ko": "(전체)", "en": "(any)"},
    "alerts.page.duration": {"ko": "기간", "en": "Duration"},
    "alerts.page.comment": {"ko": "메모", "en": "Comment"},
    "alerts.page.add": {"ko": "무음 설정", "en": "Silence"},
    "alerts.page.need_target": {"ko": "서버나 규칙 중 하나는 골라야 합니다.",
                                "en": "Pick a server, a rule or both."},
    "alerts.page.need_comment": {"ko": "메모를 입력하세요.", "en": "Write a comment."},
    "alerts.page.read_only": {
        "ko": "무음 설정과 확인은 관리자만 할 수 있습니다 (관리자 페이지에서 키 입력).",
        "en": "Only an admin may silence or acknowledge (enter a key on the admin page)."},
    "alerts.page.rules": {"ko": "규칙", "en": "Rules"},
    "alerts.page.rule_saved": {"ko": "규칙 {rule}을(를) 저장했습니다.", "en": "Saved rule {rule}."},
    "alerts.page.new_rule": {"ko": "규칙 추가", "en": "Add a rule"},
    "alerts.page.kind": {"ko": "종류", "en": "Kind"},
    "alerts.page.metric": {"ko": "지표", "en": "Metric"},
    "alerts.page.level": {"ko": "임계 수준", "en": "Threshold level"},
    "alerts.page.server_type": {"ko": "서버 유형", "en": "Server type"},
    "alerts.page.default_severity": {"ko": "(규칙 기본값)", "en": "(the rule's default)"},
    "alerts.page.add_rule": {"ko": "규칙 추가", "en": "Add rule"},
    "alerts.page.rule_invalid": {"ko": "규칙을 저장하지 않았습니다. {field}: {reason}",
                                 "en": "The rule was not saved. {field}: {reason}"},
    "alerts.page.rule_exists": {
        "ko": "규칙 {rule}이(가) 이미 있습니다. 다른 ID를 쓰거나 표에서 바꾸세요.",
        "en": "A rule {rule} already exists: use another id, or change it in the table."},
    "alerts.kind.metric": {"ko": "지표 임계값", "en": "Metric threshold"},
    "alerts.kind.host_down": {"ko": "호스트 다운", "en": "Host down"},
    "alerts.kind.service_stopped": {"ko": "서비스 중지", "en": "Service stopped"},
    "alerts.kind.anomaly": {"ko": "이상 징후", "en": "Anomaly"},
    "alerts.kind.forecast": {"ko": "가득 참 예측 (1시간 이내)", "en": "Fills up (within 1 h)"},
    "alerts.col.started": {"ko": "시작 (KST)", "en": "Started (KST)"},
    "alerts.col.server": {"ko": "서버", "en": "Server"},
    "alerts.col.rule": {"ko": "규칙", "en": "Rule"},
    "alerts.col.severity": {"ko": "심각도", "en": "Severity"},
    "alerts.col.lasted": {"ko": "지속", "en": "Lasted"},
    "alerts.col.summary": {"ko": "내용", "en": "Summary"},
    "alerts.col.id": {"ko": "ID", "en": "ID"},
    "alerts.col.for": {"ko": "대기 (초)", "en": "For (s)"},
    "alerts.col.scope": {"ko": "대상", "en": "Scope"},
    "alerts.col.enabled": {"ko": "사용", "en": "Enabled"},
    "alerts.admin.title": {"ko": "알림 채널", "en": "Alert channels"},
    "alerts.admin.channels": {"ko": "설정된 채널 {n}개", "en": "{n} channels configured"},
    "alerts.admin.test": {"ko": "테스트 알림 보내기", "en": "Send a test notification"},
    "alerts.admin.no_channels": {
        "ko": "알림 채널이 없습니다. OPENMANAGER_NOTIFY_URLS (Apprise URL) 또는 "
              "OPENMANAGER_ALERTMANAGER_WEBHOOK_URLS 를 설정하세요.",
        "en": "No notification channel. Set OPENMANAGER_NOTIFY_URLS (Apprise URLs) or "
              "OPENMANAGER_ALERTMANAGER_WEBHOOK_URLS."},
    "alerts.admin.delivered": {"ko": "{channel}: 전송됨 ({attempts}회 시도)",
                               "en": "{channel}: delivered ({attempts} attempts)"},
    "alerts.admin.failed": {"ko": "{channel}: 실패 ({attempts}회 시도) — {error}",
                            "en": "{channel}: failed after {attempts} attempts — {error}"},
    "alerts.admin.failures": {"ko": "최근 전송 실패", "en": "Recent delivery failures"},
    "alerts.admin.no_failures": {"ko": "전송 실패가 없습니다.", "en": "No delivery has failed."},
    "alerts.admin.col.channel": {"ko": "채널", "en": "Channel"},
    "alerts.admin.col.attempts": {"ko": "시도", "en": "Attempts"},
    "alerts.admin.col.error": {"ko": "오류", "en": "Error"},
    # -- dashboard (Streamlit pages) ---------------------------------------------------
    "nav.language": {"ko": "🌐 언어 · Language", "en": "🌐 언어 · Language"},
    "nav.tagline": {"ko": "AI 서버 모니터링", "en": "AI server monitoring"},
    "nav.section.monitoring": {"ko": "모니터링", "en": "Monitoring"},
    "nav.section.ai": {"ko": "AI", "en": "AI"},
    "nav.section.operations": {"ko": "운영", "en": "Operations"},
    "nav.fleet": {"ko": "서버 현황", "en": "Fleet"},
    "nav.deployment": {"ko": "인프라 배포", "en": "Deployment"},
    "nav.ai": {"ko": "AI 분석", "en": "AI analysis"},
    "nav.incidents": {"ko": "장애 시나리오", "en": "Incidents"},
    "nav.timeline": {"ko": "타임라인", "en": "Timeline"},
    "nav.alerts": {"ko": "알림", "en": "Alerts"},
    "nav.alerts_firing": {"ko": "🔔 발생 중인 알림 **{n}**건", "en": "🔔 **{n}** alerts firing"},
    "nav.admin": {"ko": "관리자", "en": "Admin"},
    "counts.total": {"ko": "전체", "en": "Total"},
    "error.store": {"ko": "저장소에 연결할 수 없습니다. 잠시 후 자동으로 다시 시도합니다.",
                    "en": "The store cannot be reached. It will be retried shortly."},
    "error.unexpected": {"ko": "이 부분을 표시하지 못했습니다. 오류는 기록되었으며, "
                               "새로 고치면 다시 시도합니다.",
                         "en": "This part could not be shown. The error was logged; refresh to try again."},
    "card.no_metrics": {"ko": "응답 없음 (메트릭 없음)", "en": "Not responding (no metrics)"},
    "type.web": {"ko": "웹 서버", "en": "Web server"},
    "type.database": {"ko": "데이터베이스", "en": "Database"},
    "type.api": {"ko": "API 서버", "en": "API server"},
    "type.kubernetes": {"ko": "쿠버네티스", "en": "Kubernetes"},
    "type.cache": {"ko": "캐시", "en": "Cache"},
    "type.proxy": {"ko": "프록시", "en": "Proxy"},
    "type.analytics": {"ko": "분석", "en": "Analytics"},
    "type.monitoring": {"ko": "모니터링", "en": "Monitoring"},
    "type.ci_cd": {"ko": "CI/CD", "en": "CI/CD"},
    "type.storage": {"ko": "스토리지", "en": "Storage"},
    "type.mail": {"ko": "메일", "en": "Mail"},
    "type.security": {"ko": "보안", "en": "Security"},
    "type.unknown": {"ko": "유형 미지정", "en": "Unknown type"},
    "service.running": {"ko": "실행 중", "en": "Running"},
    "service.degraded": {"ko": "성능 저하", "en": "Degraded"},
    "service.stopped": {"ko": "중지됨", "en": "Stopped"},
    "incident.cpu_spike": {"ko": "CPU 급증", "en": "CPU spike"},
    "incident.memory_leak": {"ko": "메모리 누수", "en": "Memory leak"},
    "incident.disk_full": {"ko": "디스크 가득 참", "en": "Disk full"},
    "incident.network_congestion": {"ko": "네트워크 혼잡", "en": "Network congestion"},
    "incident.service_down": {"ko": "서비스 중단", "en": "Service down"},
    "incident.host_down": {"ko": "호스트 다운", "en": "Host down"},
    # The event timeline (openmanager_core/events.py): one line per event, worded at read time.
    "events.incident_started": {"ko": "{host}: {type} 장애 시작 (심각도 {severity})",
                                "en": "{host}: {type} incident started ({severity} severity)"},
    "events.incident_cleared": {"ko": "{host}: {type} 장애 해제", "en": "{host}: {type} incident cleared"},
    "events.status_changed": {"ko": "{host}: 상태 {before} → {after}",
                              "en": "{host}: status {before} → {after}"},
    "events.anomaly_opened": {"ko": "{host}: {metric} 이상 징후 ({value}, 평소 {usual})",
                              "en": "{host}: {metric} anomaly ({value}, usually {usual})"},
    "events.anomaly_closed": {"ko": "{host}: {metric} 이상 징후 해소", "en": "{host}: {metric} anomaly over"},
    "events.deployed": {"ko": "{host} 배포 ({position}번째)", "en": "{host} deployed (#{position})"},
    "events.reset": {"ko": "배포 초기화: 서버 {servers}대 제거, 장애 {incidents}건 해제",
                     "en": "Deployment reset: {servers} servers removed, {incidents} incidents cleared"},
    "events.kind.incident_started": {"ko": "장애 시작", "en": "Incident started"},
    "events.kind.incident_cleared": {"ko": "장애 해제", "en": "Incident cleared"},
    "events.kind.deployed": {"ko": "배포", "en": "Deployed"},
    "events.kind.reset": {"ko": "초기화", "en": "Reset"},
    "events.kind.status_changed": {"ko": "상태 변경", "en": "Status change"},
    "events.kind.anomaly_opened": {"ko": "이상 징후 시작", "en": "Anomaly opened"},
    "events.kind.anomaly_closed": {"ko": "이상 징후 해소", "en": "Anomaly closed"},
    # The timeline page (views/timeline.py).
    "timeline.caption": {"ko": "기간 안에 일어난 일: 장애는 시작부터 해제까지 막대로, "
                               "상태 변경·배포·이상 징후는 점으로 표시합니다.",
                         "en": "What happened in the period: incidents as bars from start to clear; status "
                               "changes, deployments and anomalies as markers."},
    "timeline.period": {"ko": "기간", "en": "Period"},
    "timeline.period_help": {"ko": "지금부터 거슬러 볼 기간: 30m, 3h, 2d (또는 30분, 3시간, 2일)",
                             "en": "How far back from now: 30m, 3h, 2d"},
    "timeline.bad_period": {"ko": "'{value}'은(는) 기간으로 읽을 수 없습니다. 30m, 3h, 2d처럼 "
                                  "1분에서 {days}일 사이로 적어 주세요.",
                            "en": "'{value}' is not a period: write 30m, 3h or 2d, "
                                  "from 1 minute to {days} days."},
    "timeline.server": {"ko": "서버", "en": "Server"},
    "timeline.all_servers": {"ko": "전체 서버", "en": "All servers"},
    "timeline.unknown_server": {"ko": "'{name}' 서버를 찾을 수 없어 전체 서버를 보여 줍니다.",
                                "en": "No server called '{name}': showing all servers."},
    "timeline.none": {"ko": "{since} 이후 기록된 이벤트가 없습니다.", "en": "No events since {since}."},
    "timeline.count": {"ko": "{since} 이후 이벤트 {n}건", "en": "{n} events since {since}"},
    "timeline.more": {"ko": "최근 {n}건만 표시합니다. 기간을 줄이거나 서버를 골라 보세요.",
                      "en": "Showing the latest {n} only: shorten the period or pick a server."},
    "timeline.ongoing": {"ko": "진행 중", "en": "ongoing"},
    "timeline.fleet_row": {"ko": "(전체)", "en": "(fleet)"},
    "timeline.col.time": {"ko": "시각 (KST)", "en": "Time (KST)"},
    "timeline.col.server": {"ko": "서버", "en": "Server"},
    "timeline.col.kind": {"ko": "종류", "en": "Kind"},
    "timeline.col.event": {"ko": "내용", "en": "Event"},
    "timeline.axis.time": {"ko": "시각 (KST)", "en": "Time (KST)"},
    "severity.low": {"ko": "낮음", "en": "Low"},
    "severity.medium": {"ko": "보통", "en": "Medium"},
    "severity.high": {"ko": "높음", "en": "High"},
    "deploy.title": {"ko": "인프라 배포", "en": "Infrastructure deployment"},
    "source.unreachable": {"ko": "{source}에 연결할 수 없습니다 ({source} unreachable): {error}",
                           "en": "{source} unreachable: {error}"},
    "source.simulated_only": {
        "ko": "배포와 장애 주입은 시뮬레이션 서버에만 있습니다. 지금은 실제 서버의 메트릭을 읽고 있습니다 "
              "(소스: {source}). OPENMANAGER_SOURCE=simulated 로 시작하면 데모 서버를 쓸 수 있습니다.",
        "en": "Deployment and incident injection exist only for the simulated fleet. This dashboard "
              "reads real servers' metrics (source: {source}); start it with "
              "OPENMANAGER_SOURCE=simulated for the demo fleet."},
    "deploy.caption": {
        "ko": "카탈로그 순서대로 약 {seconds}초마다 서버가 한 대씩 배포됩니다. "
              "모든 브라우저가 같은 진행 상황을 봅니다.",
        "en": "Servers come online one at a time, in catalogue order, about every {seconds} s. "
              "Every browser sees the same progress."},
    "deploy.start": {"ko": "배포 시작", "en": "Start"},
    "deploy.resume": {"ko": "배포 재개", "en": "Resume"},
    "deploy.pause": {"ko": "일시 정지", "en": "Pause"},
    "deploy.reset": {"ko": "초기화", "en": "Reset"},
    "deploy.reset_title": {"ko": "배포를 초기화할까요?", "en": "Reset the deployment?"},
    "deploy.reset_question": {
        "ko": "배포된 서버 {count}대가 모두 내려가고 진행 중인 장애가 종료됩니다. "
              "진행 중인 배포는 모든 브라우저에서 멈춥니다.",
        "en": "All {count} deployed servers go offline and their active incidents end. "
              "A running deployment stops for every browser."},
    "deploy.reset_confirm": {"ko": "초기화", "en": "Reset"},
    "deploy.reset_cancel": {"ko": "취소", "en": "Cancel"},
    "deploy.running": {"ko": "배포 진행 중: 서버가 진행하므로 이 창을 닫거나 새로고침해도 계속됩니다.",
                       "en": "Deploying: the server runs it, so it goes on if you reload or close "
                             "this tab."},
    "deploy.progress": {"ko": "배포된 서버 ({percent}%)", "en": "Servers deployed ({percent}%)"},
    "deploy.empty": {"ko": "아직 배포된 서버가 없습니다. '배포 시작'을 누르세요.",
                     "en": "No server is deployed yet. Press Start."},
    "deploy.next": {"ko": "다음 배포: {type}", "en": "Next up: {type}"},
    "deploy.latest_only": {"ko": "최근 배포된 {shown}대만 표시합니다 (전체 {total}대).",
                           "en": "Showing the latest {shown} of {total} servers."},
    "fleet.empty": {"ko": "아직 배포된 서버가 없습니다. 인프라 배포 페이지에서 배포를 시작하세요.",
                    "en": "No server is deployed yet. Start the deployment first."},
    "fleet.go_deploy": {"ko": "인프라 배포로 이동", "en": "Go to deployment"},
    "fleet.no_match": {"ko": "조건에 맞는 서버가 없습니다.", "en": "No server matches these filters."},
    "fleet.graph.title": {"ko": "서비스 의존 관계", "en": "Service dependencies"},
    "fleet.graph.caption": {
        "ko": "화살표는 서버가 호출하는 서버를 가리킵니다 (사용자 → 진입점 → … → DB·캐시). 색은 상태입니다.",
        "en": "Arrows point from a server to the ones it calls (users → entry point → … → database, cache). "
              "Colour is status."},
    "fleet.graph.users": {"ko": "사용자", "en": "Users"},
    "fleet.graph.apart": {"ko": "요청 경로 밖", "en": "Not on the request path"},
    "fleet.graph.none": {
        "ko": "이 플릿의 서비스 의존 관계가 없습니다 (OPENMANAGER_DEPENDENCIES 또는 depends_on 라벨).",
        "en": "No service dependencies are known for this fleet (OPENMANAGER_DEPENDENCIES or depends_on "
              "labels)."},
    "fleet.showing": {"ko": "{shown} / {total}대 표시 · 위험 서버부터 정렬 · "
                            "호스트명을 누르면 상세 화면이 열립니다",
                      "en": "{shown} of {total} servers · critical first · click a hostname for details"},
    "fleet.pick": {"ko": "서버 상세 보기", "en": "Server details"},
    "fleet.pick_placeholder": {"ko": "호스트명을 선택하거나 입력하세요", "en": "Choose or type a hostname"},
    "fleet.unknown_server": {"ko": "'{name}' 서버를 찾을 수 없습니다.", "en": "No server called '{name}'."},
    "fleet.not_deployed": {"ko": "{hostname} 서버는 아직 배포되지 않았습니다.",
                           "en": "{hostname} is not deployed yet."},
    "fleet.back": {"ko": "전체 목록", "en": "All servers"},
    "fleet.window": {"ko": "기간", "en": "Window"},
    "fleet.window.minutes": {"ko": "{n}분", "en": "{n} min"},
    "fleet.window.hours": {"ko": "{n}시간", "en": "{n} h"},
    "fleet.filter.status": {"ko": "상태", "en": "Status"},
    "fleet.filter.type": {"ko": "유형", "en": "Type"},
    "fleet.filter.location": {"ko": "위치", "en": "Location"},
    "fleet.filter.all": {"ko": "전체", "en": "All"},
    "fleet.filter.search": {"ko": "이름 검색", "en": "Search by name"},
    "fleet.col.status": {"ko": "상태", "en": "Status"},
    "fleet.col.hostname": {"ko": "호스트명", "en": "Hostname"},
    "fleet.col.hostname_help": {"ko": "누르면 상세 화면이 열립니다", "en": "Click to open the details"},
    "fleet.col.type": {"ko": "유형", "en": "Type"},
    "fleet.col.location": {"ko": "위치", "en": "Location"},
    "fleet.col.alert": {"ko": "주요 알림", "en": "Top alert"},
    "fleet.col.alerts": {"ko": "알림", "en": "Alerts"},
    "fleet.col.alerts_help": {"ko": "발생 중이거나 대기 중인 알림 수. 누르면 이 서버의 알림이 열립니다",
                              "en": "Firing and pending alerts; click to see this server's alerts"},
    "fleet.col.anomaly": {"ko": "이상", "en": "Anomaly"},
    "fleet.col.anomaly_help": {
        "ko": "지금 평소 수준(지난 7일 같은 시각)에서 벗어난 지표. AI 분석, 차트의 이상 징후 표시, "
              "이상 징후 알림과 같은 판단입니다",
        "en": "Metrics now off their usual level (the same minutes of the last 7 days): the judgement "
              "the AI, the chart's anomaly marks and anomaly alerts use"},
    "fleet.col.uptime": {"ko": "가동 시간", "en": "Uptime"},
    "fleet.col.updated": {"ko": "마지막 수집", "en": "Last updated"},
    "fleet.col.updated_help": {"ko": "이 행의 지표를 수집한 시각 (KST)",
                               "en": "When this row's metrics were sampled (KST)"},
    "fleet.col.service": {"ko": "서비스", "en": "Service"},
    "fleet.col.port": {"ko": "포트", "en": "Port"},
    "fleet.col.state": {"ko": "상태", "en": "State"},
    "fleet.specs": {"ko": "{cores}코어 · {memory}GB · 디스크 {disk}GB",
                    "en": "{cores} cores · {memory} GB · {disk} GB disk"},
    "fleet.uptime": {"ko": "가동 {uptime}", "en": "up {uptime}"},
    "fleet.no_metrics": {"ko": "서버가 응답하지 않습니다 (메트릭 없음).",
                         "en": "The server is not responding (no metrics)."},
    "fleet.services": {"ko": "서비스", "en": "Services"},
    "fleet.alerts": {"ko": "알림", "en": "Alerts"},
    "fleet.no_alerts": {"ko": "활성 알림이 없습니다.", "en": "No active alerts."},
    "fleet.open_alerts": {"ko": "이 서버의 알림 기록 보기", "en": "This server's alert history"},
    "fleet.events": {"ko": "최근 이벤트", "en": "Recent events"},
    "fleet.open_timeline": {"ko": "타임라인에서 보기", "en": "Open in the timeline"},
    "fleet.incident": {"ko": "진행 중인 장애: {type} ({severity}) · {since}부터",
                       "en": "Active incident: {type} ({severity}) since {since}"},
    "fleet.anomaly": {"ko": "이상 징후", "en": "Anomaly"},
    "fleet.anomaly_detail": {"ko": "이상 징후 z={z} ({since}부터)", "en": "Anomaly z={z} (since {since})"},
    "incidents.caption": {
        "ko": "장애를 주입하면 서버 현황이 바뀌고, AI 분석에서 원인을 물어볼 수 있습니다.",
        "en": "Inject a failure, watch the fleet change, then ask the AI what is wrong."},
    "incidents.nothing_deployed": {"ko": "배포된 서버가 없습니다. 먼저 인프라 배포를 진행하세요.",
                                   "en": "No server is deployed yet. Run the deployment first."},
    "incidents.type": {"ko": "장애 유형", "en": "Incident type"},
    "incidents.server": {"ko": "대상 서버", "en": "Server"},
    "incidents.undeployed": {"ko": "{hostname} (미배포)", "en": "{hostname} (not deployed)"},
    "incidents.severity": {"ko": "심각도", "en": "Severity"},
    "incidents.backdate": {"ko": "이미 진행된 시간 (분, 0 = 지금 시작)",
                           "en": "Already running for (minutes, 0 = starts now)"},
    "incidents.backdate_help": {
        "ko": "장애가 N분 전에 시작된 것으로 기록합니다. 그 효과는 이미 N분만큼 진행된 상태로 나타나고 "
              "(메모리·디스크는 그만큼 더 차 있음), 이력 차트와 AI의 '부터' 시각도 N분 전부터입니다. "
              "0이면 지금 시작: 높은 심각도는 1분, 중간은 3분, 낮음은 10분 안에 경고 이상이 됩니다. "
              "최대 7일.",
        "en": "Records the incident as having started N minutes ago: its effect is already N minutes "
              "along (memory and disk that much fuller), and the history chart and the AI date it from "
              "then. 0 starts it now: high severity shows as at least a warning within 1 minute, medium "
              "within 3, low within 10. Up to 7 days."},
    "incidents.inject": {"ko": "장애 주입", "en": "Inject"},
    "incidents.injected": {"ko": "💥 {hostname} 서버에 {type} 장애를 주입했습니다.",
                           "en": "💥 {type} injected on {hostname}."},
    "incidents.exists": {"ko": "{hostname} 서버에는 이미 {type} 장애가 진행 중입니다 ({since}부터). "
                               "새로 주입하려면 먼저 해제하세요.",
                         "en": "{hostname} already has an active {type} (since {since}). "
                               "Clear it before injecting another."},
    "incidents.too_many": {"ko": "진행 중인 장애가 이미 {n}개로 최대입니다. 몇 개를 해제한 뒤 주입하세요.",
                           "en": "{n} incidents are already active, the most allowed at once. "
                                 "Clear some before injecting another."},
    "incidents.active": {"ko": "진행 중인 장애 ({n})", "en": "Active incidents ({n})"},
    "incidents.none": {"ko": "진행 중인 장애가 없습니다.", "en": "No active incidents."},
    "incidents.row": {"ko": "**{type}** · {hostname} · 심각도 {severity} · {since}부터",
                      "en": "**{type}** · {hostname} · {severity} severity · since {since}"},
    "incidents.open_server": {"ko": "서버 보기", "en": "View server"},
    "incidents.clear": {"ko": "해제", "en": "Clear"},
    "incidents.clear_all": {"ko": "모두 해제", "en": "Clear all"},
    "incidents.cleared": {"ko": "장애 {n}건을 해제했습니다.", "en": "{n} incident(s) cleared."},
    "ai.caption": {"ko": "한국어나 영어로 서버에 대해 물어보세요. 분석 과정과 답한 계층이 함께 표시됩니다.",
                   "en": "Ask about the servers in Korean or English; you see how the engine works "
                         "and which tier answered."},
    "ai.placeholder": {"ko": "예: db-master-01 CPU가 왜 높아? (최대 {max}자)",
                       "en": "e.g. why is db-master-01 slow? (up to {max} characters)"},
    "ai.preset.summary": {"ko": "현재 서버 상태 요약해줘", "en": "Summarize the current server status"},
    "ai.preset.cpu": {"ko": "CPU 사용률이 높은 서버 알려줘", "en": "Which servers have high CPU usage?"},
    "ai.preset.memory": {"ko": "메모리 부족한 서버가 있어?", "en": "Is any server running out of memory?"},
    "ai.preset.disk": {"ko": "디스크 용량 부족한 곳 있어?", "en": "Is any disk running out of space?"},
    "ai.preset.change": {"ko": "최근 1시간 동안 변화가 큰 서버는?",
                         "en": "Which servers changed the most in the last hour?"},
    "ai.thinking": {"ko": "분석 중…", "en": "Analysing…"},
    "ai.steps": {"ko": "분석 과정 ({n}단계)", "en": "How it was answered ({n} steps)"},
    "ai.step.analyzing": {"ko": "🔍 데이터 분석", "en": "🔍 Analysing"},
    "ai.step.pattern_matching": {"ko": "🧩 패턴·이상 탐지", "en": "🧩 Patterns and anomalies"},
    "ai.step.reasoning": {"ko": "🧠 원인 추론", "en": "🧠 Reasoning"},
    "ai.step.generating": {"ko": "✍️ 답변 작성", "en": "✍️ Writing the answer"},
    "ai.step.completed": {"ko": "✅ 완료", "en": "✅ Done"},
    "ai.tier.optimized_ai_engine": {"ko": "최적화 엔진", "en": "Optimized engine"},
    "ai.tier.pattern_matching": {"ko": "패턴 매칭", "en": "Pattern matching"},
    "ai.tier.fallback_system": {"ko": "기본 응답", "en": "Basic answer"},
    "ai.tier.rejected": {"ko": "거부된 입력", "en": "Rejected input"},
    "ai.time": {"ko": "처리 시간 {seconds}초", "en": "answered in {seconds} s"},
    "ai.llm_used": {"ko": "LLM이 분석 결과로 작성", "en": "written by the LLM from the findings"},
    "ai.cached": {"ko": "캐시된 답변", "en": "cached answer"},
    "ai.fallback_reason": {"ko": "앞 단계가 답하지 못한 이유: {reason}",
                           "en": "Why the tiers before it did not answer: {reason}"},
    "ai.no_reason": {"ko": "기록된 사유 없음", "en": "no reason recorded"},
    "ai.actions": {"ko": "권장 조치", "en": "Recommended actions"},
    "ai.impact": {"ko": "영향도 {level}", "en": "{level} impact"},
    "ai.impact.high": {"ko": "높음", "en": "High"},
    "ai.impact.medium": {"ko": "보통", "en": "Medium"},
    "ai.impact.low": {"ko": "낮음", "en": "Low"},
    "ai.open_server": {"ko": "{hostname} 상세 보기", "en": "Open {hostname}"},
    "ai.empty": {"ko": "질문을 입력해 주세요.", "en": "Please type a question."},
    "ai.too_long": {"ko": "질문이 너무 깁니다 ({n}자). {max}자 이내로 줄여 주세요.",
                    "en": "The question is too long ({n} characters); keep it within {max}."},
    "ai.invalid": {"ko": "질문을 처리할 수 없습니다: {reason}", "en": "The question was refused: {reason}"},
    "ai.engine_error": {"ko": "AI 엔진 오류: {error}", "en": "AI engine error: {error}"},
    "ai.busy": {"ko": "AI가 동시에 답할 수 있는 만큼({slots}개) 답하는 중입니다. "
                      "{seconds}초 뒤에 다시 물어 주세요.",
                "en": "The AI is answering as many questions as it can at once ({slots}); "
                      "ask again in {seconds} s."},
    "ai.rate_limited": {"ko": "질문이 너무 잦습니다 (한도: {limit}). {seconds}초 뒤에 다시 보내 주세요.",
                        "en": "Too many questions (limit: {limit}). Send it again in {seconds} s."},
    "admin.empty": {
        "ko": "아직 기록된 AI 질의가 없습니다. AI 분석 페이지에서 질문하거나 API로 질의하면 "
              "통계와 로그가 여기에 채워집니다.",
        "en": "No AI query has been recorded yet. Ask on the AI analysis page, or query the API, "
              "and the statistics and logs fill in here."},
    "admin.go_ai": {"ko": "AI 분석에서 질문하기", "en": "Ask on the AI analysis page"},
    "admin.kpi.total": {"ko": "전체 질의", "en": "Total queries"},
    "admin.kpi.rejected": {"ko": "거부된 입력", "en": "Rejected input"},
    "admin.kpi.rejected_detail": {"ko": "빈 질문·긴 질문 · 전체의 {share}% · 오류 아님",
                                  "en": "Empty or too long · {share}% of all · not errors"},
    "admin.kpi.rate_limited": {"ko": "요청 한도 초과", "en": "Rate limited"},
    "admin.kpi.rate_limited_detail": {"ko": "API의 429와 AI 페이지에서 돌려보낸 질문 · 이 프로세스",
                                      "en": "API 429s and questions the AI page turned away · this process"},
    "admin.kpi.total_detail": {"ko": "응답 {answered} · 실패 {failed} · 거부 {rejected}",
                               "en": "{answered} answered · {failed} failed · {rejected} rejected"},
    "admin.kpi.success": {"ko": "성공률", "en": "Success rate"},
    "admin.kpi.average": {"ko": "평균 응답 시간", "en": "Average response"},
    "admin.kpi.errors": {"ko": "오류율", "en": "Error rate"},
    "admin.kpi.p95": {"ko": "p95 응답 시간", "en": "p95 response"},
    "admin.kpi.p50": {"ko": "p50 {seconds} s", "en": "p50 {seconds} s"},
    "admin.kpi.fallback": {"ko": "폴백 사용률", "en": "Fallback usage"},
    "admin.kpi.cache": {"ko": "캐시 적중 {n}회", "en": "{n} cache hits"},
    "admin.pass": {"ko": "목표 {target} 달성", "en": "Target {target} met"},
    "admin.miss": {"ko": "목표 {target} 미달", "en": "Target {target} missed"},
    "admin.tier.name": {"ko": "계층", "en": "Tier"},
    "admin.tier.count": {"ko": "응답 수", "en": "Answers"},
    "admin.tier.share": {"ko": "비중", "en": "Share"},
    "admin.tier.average": {"ko": "평균", "en": "Average"},
    "admin.tier.p50": {"ko": "p50", "en": "p50"},
    "admin.tier.p95": {"ko": "p95", "en": "p95"},
    "admin.range": {"ko": "기간", "en": "Range"},
    "admin.range.1h": {"ko": "최근 1시간", "en": "Last hour"},
    "admin.range.24h": {"ko": "최근 24시간", "en": "Last 24 h"},
    "admin.range.7d": {"ko": "최근 7일", "en": "Last 7 days"},
    "admin.range.all": {"ko": "전체", "en": "All"},
    "admin.range.none": {"ko": "이 기간에 기록된 질의가 없습니다.",
                         "en": "No query was recorded in this range."},
    "admin.charts": {"ko": "최근 질의 {n}건", "en": "The last {n} queries"},
    "admin.chart.queries": {"ko": "시간별 질의 수 (응답 계층별, 거부된 입력 별도)",
                            "en": "Queries over time, by answering tier, rejected input apart"},
    "admin.chart.response": {"ko": "응답 시간 분포 (목표 {target})",
                             "en": "Response time distribution (target {target})"},
    "admin.chart.latency_axis": {"ko": "응답 시간 ({unit})", "en": "response time ({unit})"},
    "admin.chart.log_scale": {"ko": "로그 눈금", "en": "log scale"},
    "admin.chart.share": {"ko": "응답 계층별 비중", "en": "Share of answers by tier"},
    "admin.chart.errors": {"ko": "시간별 오류율 (거부된 입력 제외)",
                           "en": "Error rate over time (rejected input left out)"},
    "admin.tab.queries": {"ko": "질의 수", "en": "Queries"},
    "admin.tab.response": {"ko": "응답 시간", "en": "Response times"},
    "admin.tab.share": {"ko": "응답 계층", "en": "Tiers"},
    "admin.tab.errors": {"ko": "오류율", "en": "Error rate"},
    "admin.chart.count": {"ko": "질의 수", "en": "queries"},
    "admin.chart.target": {"ko": "목표 {value}", "en": "target {value}"},
    "admin.logs": {"ko": "AI 로그", "en": "AI logs"},
    "admin.logs.level": {"ko": "수준", "en": "Level"},
    "admin.logs.limit": {"ko": "최대 건수", "en": "Limit"},
    "admin.logs.none": {"ko": "이 조건의 로그가 없습니다.", "en": "No log entry matches."},
    "admin.logs.csv": {"ko": "CSV 다운로드", "en": "Download CSV"},
    "admin.level.all": {"ko": "전체", "en": "All"},
    "admin.level.info": {"ko": "정보", "en": "Info"},
    "admin.level.warning": {"ko": "경고", "en": "Warning"},
    "admin.level.error": {"ko": "오류", "en": "Error"},
    "admin.col.time": {"ko": "시각 (KST)", "en": "Time (KST)"},
    "admin.col.level": {"ko": "수준", "en": "Level"},
    "admin.col.tier": {"ko": "계층", "en": "Tier"},
    "admin.col.question": {"ko": "질문", "en": "Question"},
    "admin.col.message": {"ko": "메시지", "en": "Message"},
    "admin.col.duration": {"ko": "소요", "en": "Duration"},
    "admin.col.query": {"ko": "질의 ID", "en": "Query id"},
    # -- AI agent (openmanager_core/ai): answers, thinking steps, actions --------------------
    "agent.clock.day": {"ko": "{m}월 {d}일 {clock}", "en": "{iso} {clock}"},
    "agent.clock.year_day": {"ko": "{y}년 {m}월 {d}일 {clock}", "en": "{iso} {clock}"},
    "agent.duration.minutes": {"ko": "약 {m}분", "en": "~{m} min"},
    "agent.duration.hours": {"ko": "약 {h}시간", "en": "~{h}h"},
    "agent.duration.hours_minutes": {"ko": "약 {h}시간 {m}분", "en": "~{h}h {m}m"},
    "agent.duration.days": {"ko": "약 {d}일 {h}시간", "en": "~{d}d {h}h"},
    "agent.duration.whole_days": {"ko": "약 {d}일", "en": "~{d}d"},
    "agent.scope.fleet": {"ko": "전체 서버 {n}대", "en": "the whole fleet ({n} servers)"},
    "agent.scope.types": {"ko": "{types} {n}대", "en": "{types} ({n} servers)"},
    "agent.scope.servers": {"ko": "{hosts}", "en": "{hosts}"},
    "agent.scope.metrics": {"ko": " · 지표: {metrics}", "en": " · metrics: {metrics}"},
    "agent.scope.provided": {"ko": "전달받은 지표 값 ({n}대)", "en": "the metric values given ({n} servers)"},
    "agent.intent.summary": {"ko": "상태 요약", "en": "status summary"},
    "agent.intent.offline": {"ko": "오프라인 서버", "en": "offline servers"},
    "agent.intent.change": {"ko": "최근 변화", "en": "recent changes"},
    "agent.intent.forecast": {"ko": "추세 예측", "en": "forecast"},
    "agent.intent.cause": {"ko": "원인 분석", "en": "cause analysis"},
    "agent.intent.top": {"ko": "상위 서버", "en": "top servers"},
    "agent.intent.alerts": {"ko": "발생 중인 알림", "en": "firing alerts"},
    "agent.intent.history": {"ko": "지난 일", "en": "what happened"},
    "agent.intent.rank": {"ko": "1위 서버", "en": "the first-ranked server"},
    "agent.intent.hypothesis": {"ko": "예/아니요 확인", "en": "yes/no check"},
    "agent.intent.since": {"ko": "시작 시각", "en": "since when"},
    "agent.intent.diagnose": {"ko": "이상 진단", "en": "diagnosis"},
    "agent.intent.symptom": {"ko": "사용자 증상 (요청 경로 추적)",
                             "en": "user symptom (request path traced)"},
    "agent.step.analyzing": {
        "ko": "지표 {points:,}개 읽음: {servers}대 × 최근 {minutes}분, 그리고 지난 7일의 같은 시각. 범위: "
              "{scope}",
        "en": "Read {points:,} data points — the last {minutes} min and the same minutes on each of the "
              "last 7 days. Scope: {scope}"},
    "agent.step.analyzing_provided": {"ko": "전달받은 지표 값 분석: {scope}",
                                      "en": "Analysing the metric values given: {scope}"},
    "agent.step.screened": {"ko": "의도: {intents}. 이상 징후가 보이는 서버 {n}대{found}",
                            "en": "Intent: {intents}. Servers with anomalies: {n}{found}"},
    "agent.step.deep": {"ko": " · 심층 분석: {hosts} (3시간, 지난 7일 대비)",
                        "en": " · in depth: {hosts} (3 h against the last 7 days)"},
    "agent.step.reasoning": {"ko": "가장 가능성 높은 원인: {host} — {cause} ({evidence})",
                             "en": "Most likely cause: {host} — {cause} ({evidence})"},
    "agent.step.traced": {"ko": " · 요청 경로 추적: {path}", "en": " · request path traced: {path}"},
    "agent.step.traced_healthy": {"ko": " · 요청 경로의 서버 {n}대 모두 정상",
                                  "en": " · all {n} servers on the request path are healthy"},
    "agent.step.reasoning_path": {"ko": "{symptom}: 요청 경로에서 문제가 있는 가장 깊은 서버는 {host} — "
                                        "{cause}",
                                  "en": "{symptom}: the deepest server with a problem on the request path is "
                                        "{host} — {cause}"},
    "agent.step.reasoning_independent": {
        "ko": "서로 관계없는 문제 {n}건 — 먼저 {reason}",
        "en": "{n} independent problems — {reason}"},
    "agent.step.reasoning_none": {
        "ko": "원인을 찾을 이상 징후 없음: 모든 지표가 이 시간대 평소 범위 안",
        "en": "No anomaly to explain: every metric is within its usual range for this hour"},
    "agent.step.reasoning_none_given": {"ko": "전달받은 값에서 원인을 찾을 이상 징후 없음",
                                        "en": "No anomaly to explain in the values given"},
    "agent.step.generating": {
        "ko": "분석 엔진이 답변 작성 (서버 {servers}대 언급, 조치 {actions}개)",
        "en": "Answer written by the analytic engine (servers named: {servers}, actions: {actions})"},
    "agent.step.llm": {"ko": "LLM({model})이 엔진의 근거만으로 답변 작성",
                       "en": "The LLM ({model}) wrote the answer from the engine's evidence only"},
    "agent.step.llm_failed": {"ko": "LLM 응답 실패 ({error}) — 분석 엔진의 답변 사용",
                              "en": "The LLM failed ({error}) — the analytic answer stands"},
    "agent.step.llm_resting": {
        "ko": "LLM 건너뜀: {ago}초 전 사용 불가 ({error}), {retry}초 뒤 다시 시도 — 분석 엔진의 답변 사용",
        "en": "LLM skipped: unavailable {ago} s ago ({error}); tried again in {retry} s — "
              "the analytic answer stands"},
    "agent.step.cache": {
        "ko": "같은 질문을 같은 플릿 상태에서 {age}초 전에 답함 — 캐시된 답변 사용",
        "en": "Answered the same question on the same fleet state {age} s ago — using the cached answer"},
    "agent.step.handover": {"ko": "{tier} 실패 ({error}) — 다음 단계로 전환",
                            "en": "{tier} failed ({error}) — handing over"},
    "agent.step.pattern": {
        "ko": "패턴 '{intent}' 일치 ('{word}'); 서버 {n}대의 현재 값 사용",
        "en": "Pattern '{intent}' matched ('{word}'); using the current values of {n} servers"},
    "agent.step.no_meaning": {"ko": "질문에서 글자나 숫자를 찾지 못함 (이모지·기호만 있음)",
                              "en": "No letter or digit in the question (only emoji or symbols)"},
    "agent.step.not_understood": {"ko": "알아들을 수 있는 의도 없음 — 예시 질문 제안",
                                  "en": "No intent to go on — suggesting example questions"},
    "agent.step.pattern_answer": {"ko": "패턴 매칭 템플릿으로 답변 작성",
                                  "en": "Answer filled in from the pattern template"},
    "agent.step.fallback": {"ko": "기본 응답: 현재 상태와 임계값만으로 {n}대 확인",
                            "en": "Basic answer: checked {n} servers against their thresholds only"},
    "agent.step.fallback_answer": {"ko": "기본 상태 요약 작성", "en": "Basic status summary written"},
    "agent.tier.optimized_ai_engine": {"ko": "최적화 엔진", "en": "Optimized engine"},
    "agent.tier.pattern_matching": {"ko": "패턴 매칭", "en": "Pattern matching"},
    "agent.tier.fallback_system": {"ko": "기본 응답", "en": "Fallback"},
    "agent.tier.llm": {"ko": "LLM", "en": "LLM"},
    "agent.cause.cpu_spike": {"ko": "CPU 급증 (유입 트래픽 폭주)", "en": "CPU spike (traffic surge)"},
    "agent.cause.cpu_runaway": {"ko": "CPU 급증 (트래픽 변화 없음 — 프로세스 과부하 의심)",
                                "en": "CPU spike (no extra traffic — a runaway process?)"},
    "agent.cause.memory_leak": {"ko": "메모리 누수", "en": "memory leak"},
    "agent.cause.memory_pressure": {"ko": "메모리 부족", "en": "memory pressure"},
    "agent.cause.disk_full": {"ko": "디스크 가득 참 (용량 소진)", "en": "disk filling up (disk full)"},
    "agent.cause.network_congestion": {"ko": "네트워크 혼잡", "en": "network congestion"},
    "agent.cause.service_down": {"ko": "서비스 중단 ({service})", "en": "service down ({service})"},
    "agent.cause.host_down": {"ko": "호스트 다운", "en": "host down"},
    "agent.cause.latency": {
        "ko": "응답 지연 (CPU·메모리·디스크 정상 — 애플리케이션/의존 서비스 의심)",
        "en": "slow responses (CPU, memory and disk normal — the application or a dependency?)"},
    "agent.cause.cpu_high": {"ko": "CPU 과부하", "en": "high CPU"},
    "agent.cause.slow_responses": {"ko": "응답 지연", "en": "slow responses"},
    "agent.cause.traffic_surge": {"ko": "트래픽 급증", "en": "traffic surge"},
    "agent.cause.traffic_drop": {"ko": "트래픽 급감", "en": "traffic drop"},
    "agent.answer.headline": {"ko": "**가장 가능성 높은 원인: {host} — {cause}**",
                              "en": "**Most likely cause: {host} — {cause}**"},
    "agent.answer.independent_headline": {"ko": "**서로 관계없는 문제 {n}건 — 먼저: {host} — {cause}**",
                                          "en": "**{n} independent problems — first: {host} — {cause}**"},
    "agent.path.headline": {"ko": "**{symptom}: 요청 경로의 {host}({where})에서 비롯됩니다 — {cause}**",
                            "en": "**{symptom} come from {host}, {where} — {cause}**"},
    "agent.path.at_entry": {"ko": "진입점", "en": "the entry point of the request path"},
    "agent.path.hops": {"ko": "진입점에서 {n}단계 아래", "en": "{n} hops down the request path"},
    "agent.path.line": {"ko": "요청 경로: {path}. 이 경로에서 문제가 있는 가장 깊은 서버는 {host}입니다"
                              "{blocked}.",
                        "en": "Request path: {path}. {host} is the deepest server with a problem on it"
                              "{blocked}."},
    "agent.path.blocked": {"ko": " (다운 상태라 요청이 여기서 멈추고 그 아래로는 가지 않습니다)",
                           "en": "; it is down, so requests stop there and never reach the servers below"},
    "agent.path.healthy": {
        "ko": "**{symptom}: 요청 경로({entries}부터)의 서버 {n}대는 모두 정상입니다** — 아래의 문제는 요청 "
              "경로 밖에 있습니다.",
        "en": "**{symptom}: all {n} servers on the request path (from {entries}) are healthy** — what "
              "follows is off the request path."},
    "agent.path.unknown": {
        "ko": "이 플릿의 서비스 의존 관계가 없어 {symptom}을(를) 요청 경로로 추적할 수 없습니다 "
              "(OPENMANAGER_DEPENDENCIES 또는 depends_on 라벨).",
        "en": "No service dependencies are known for this fleet, so {symptom} can't be traced along the "
              "request path (OPENMANAGER_DEPENDENCIES or depends_on labels)."},
    "agent.path.offline": {"ko": "다운", "en": "down"},
    "agent.path.stopped": {"ko": "{service} 중단", "en": "{service} stopped"},
    "agent.symptom.http_error": {"ko": "{code} 오류", "en": "{code} errors"},
    "agent.symptom.timeout": {"ko": "타임아웃", "en": "Timeouts"},
    "agent.symptom.login": {"ko": "로그인 실패", "en": "Login failures"},
    "agent.symptom.slow": {"ko": "사이트 느려짐", "en": "Slow responses"},
    "agent.symptom.error": {"ko": "접속 오류", "en": "Errors"},
    "agent.answer.server_headline": {"ko": "**{host}: {cause}**", "en": "**{host}: {cause}**"},
    "agent.answer.ranked_headline": {"ko": "**{metric} 1위: {host} {value}** ({scope})",
                                     "en": "**Highest {metric}: {host} {value}** ({scope})"},
    "agent.answer.asked_headline": {"ko": "**{scope}의 {metrics} 문제: {host} — {cause}**",
                                    "en": "**{metrics} problem in {scope}: {host} — {cause}**"},
    "agent.answer.also": {"ko": "**그 밖의 이상**", "en": "**Also found**"},
    "agent.answer.also_item": {"ko": "{host}: {cause} — {evidence}", "en": "{host}: {cause} — {evidence}"},
    "agent.answer.related": {"ko": " (관련: {root}와(과) 같은 요청 경로, 시작 {minutes}분 차이)",
                             "en": " (related to {root}: one request path, onsets {minutes} min apart)"},
    "agent.answer.independent": {"ko": " ({lead}와(과) 관계없음)", "en": " (independent of {lead})"},
    "agent.order.title": {"ko": "**조치 순서** (영향 = 심각도 × 영향받는 서버 수 × √지속 시간)",
                          "en": "**Fix order** (impact = severity × servers affected × √duration)"},
    "agent.order.first": {"ko": "{host} 먼저: {level} 상태 {duration}, {affected}",
                          "en": "{host} first: {level} for {duration}, {affected}"},
    "agent.order.next": {"ko": "{host}: {level} 상태 {duration}, {affected}",
                         "en": "{host}: {level} for {duration}, {affected}"},
    "agent.order.follows": {"ko": "{host}: {root}에서 비롯된 것으로 보임 — {root}을(를) 고치면 함께 풀릴 수 "
                                  "있음",
                            "en": "{host}: follows from {root} — fixing {root} may clear it"},
    "agent.order.over": {"ko": "{duration} 이상", "en": "over {duration}"},
    "agent.order.dependants": {"ko": "서버 {n}대가 이 서버에 의존", "en": "{n} servers depend on it"},
    "agent.order.dependant": {"ko": "서버 1대가 이 서버에 의존", "en": "1 server depends on it"},
    "agent.order.no_dependants": {"ko": "의존하는 서버 없음", "en": "nothing depends on it"},
    "agent.order.cut_off": {"ko": "다운 상태라 요청 경로의 서버 {n}대가 영향받음",
                            "en": "it is down and {n} servers on its request path are affected"},
    "agent.answer.more": {"ko": "그 밖에 이상 징후가 보이는 서버: {hosts}",
                          "en": "Anomalies also on: {hosts}"},
    "agent.answer.no_anomaly_metric": {
        "ko": "**{scope}에 {metrics} 이상 징후 없음** — 이 시간대 평소 범위 안입니다.",
        "en": "**No {metrics} anomaly** in {scope} — within the usual range for this hour."},
    "agent.answer.fleet": {
        "ko": "**전체 현황**: {total}대 중 정상 {online} · 경고 {warning} · 위험 {critical} · 오프라인 "
              "{offline}",
        "en": "**Fleet**: {total} servers — {online} online · {warning} warning · {critical} critical · "
              "{offline} offline"},
    "agent.answer.fleet_scope": {
        "ko": "**범위 현황** ({scope}): 정상 {online} · 경고 {warning} · 위험 {critical} · 오프라인 "
              "{offline}",
        "en": "**In scope** ({scope}): {online} online · {warning} warning · {critical} critical · "
              "{offline} offline"},
    "agent.answer.no_anomaly_fleet": {
        "ko": "**이상 징후 없음** — {scope}의 모든 지표가 이 시간대 평소 범위 안에 있습니다 (지난 7일 같은 "
              "시각 대비).",
        "en": "**No anomaly** — every metric of {scope} is within its usual range for this hour (against "
              "the same time on the last 7 days)."},
    "agent.answer.watch": {"ko": "**주의 관찰** — 임계값을 향해 오르는 중 (아직 이상으로 보지는 않음)",
                           "en": "**Watch** — rising toward a threshold (not an anomaly yet)"},
    "agent.answer.watch_item": {
        "ko": "{host} {metric} {value} (평소 {usual}), 분당 {slope}씩 상승 중 — 이 추세면 {eta} 뒤 "
              "{level} 임계값 {threshold} 도달",
        "en": "{metric} on {host} {value} (usual {usual}), rising {slope} a minute — {level} ({threshold}) "
              "in {eta} at this rate"},
    "agent.answer.no_anomaly_server": {
        "ko": "**{host}: 이상 없음** — 모든 지표가 이 시간대 평소 범위 안에 있습니다 (지난 7일 같은 시각 "
              "대비).",
        "en": "**{host}: no anomaly** — every metric is within its usual range for this hour (against the "
              "same time on the last 7 days)."},
    "agent.answer.given_server": {"ko": "서버 #{n}", "en": "server #{n}"},
    "agent.answer.no_anomaly_given": {
        "ko": "**{host}: 이상 없음** — 전달받은 지표가 모두 이 서버의 이 시간대 평소 범위 안입니다.",
        "en": "**{host}: no anomaly** — every metric given is within this server's usual range for this "
              "hour."},
    "agent.answer.no_threshold_crossed": {
        "ko": "**{host}: 임계값 초과 없음** — 전달받은 값을 경고·위험 임계값과 비교했습니다.",
        "en": "**{host}: no threshold crossed** — the values given, against the warning and critical "
              "thresholds."},
    "agent.answer.current": {"ko": "현재: {values}", "en": "Now: {values}"},
    "agent.answer.value_vs_usual": {"ko": "{metric} {value} (평소 {usual})",
                                    "en": "{metric} {value} (usual {usual})"},
    "agent.answer.usual_warning": {
        "ko": "{metric} {value}은(는) {level} 임계값({threshold}) 이상이지만 이 서버의 이 시간대 평소 "
              "수준({usual})입니다.",
        "en": "{metric} {value} is above its {level} threshold ({threshold}), but that is this server's "
              "usual level for this hour ({usual})."},
    "agent.answer.not_understood": {
        "ko": "**질문을 이해하지 못했습니다.** 서버나 지표에 대해 물어봐 주세요. 예를 들면:",
        "en": "**I didn't understand the question.** Ask about the servers or their metrics, for example:"},
    "agent.answer.not_found": {"ko": "'{name}' 서버를 찾을 수 없습니다.", "en": "No server called '{name}'."},
    "agent.answer.did_you_mean": {"ko": "혹시 이 서버를 찾으셨나요? {hosts}", "en": "Did you mean: {hosts}?"},
    "agent.answer.guessed": {"ko": "'{name}'을(를) {host}(으)로 보고 답합니다. 다른 서버라면 정확한 이름으로 "
                                   "다시 물어봐 주세요.",
                             "en": "Taking '{name}' to mean {host}. If you meant another server, ask with "
                                   "its exact name."},
    "agent.answer.not_deployed": {"ko": "{host} 서버는 아직 배포되지 않았습니다.",
                                  "en": "{host} is not deployed yet."},
    "agent.answer.no_servers": {"ko": "아직 배포된 서버가 없습니다. 인프라 배포를 먼저 진행하세요.",
                                "en": "No server is deployed yet. Run the deployment first."},
    "agent.answer.no_type": {"ko": "배포된 서버 중 {types} 유형이 없습니다.",
                             "en": "No deployed server is of type {types}."},
    "agent.answer.top": {"ko": "**{metric} 상위 서버**", "en": "**Highest {metric}**"},
    "agent.answer.top_item": {"ko": "{host} {value} — {state}", "en": "{host} {value} — {state}"},
    "agent.answer.state_usual": {"ko": "평소 수준 (평소 {usual})", "en": "usual for this hour ({usual})"},
    "agent.answer.state_no_usual": {"ko": "이 시간대 이력 없음 (평소 수준 모름)",
                                    "en": "no history for this hour yet (usual level unknown)"},
    "agent.answer.state_unusual": {"ko": "평소({usual})보다 {z}σ {dir}",
                                   "en": "{z}σ {dir} its usual {usual}"},
    "agent.answer.state_offline": {"ko": "오프라인", "en": "offline"},
    "agent.answer.changes": {"ko": "**최근 15분 동안 그 전 1시간 대비 변화가 가장 큰 지표**",
                             "en": "**Biggest changes: the last 15 min against the hour before**"},
    "agent.answer.change_item": {"ko": "{host} {metric}: {before} → {after} (KS {score}) — {verdict}",
                                 "en": "{host} {metric}: {before} → {after} (KS {score}) — {verdict}"},
    "agent.answer.change_unusual": {"ko": "이 시간대 평소와 다름", "en": "unusual for this hour"},
    "agent.answer.change_usual": {"ko": "이 시간대의 일상적인 변화", "en": "the usual daily pattern"},
    "agent.answer.no_changes": {"ko": "최근 1시간 동안 눈에 띄는 변화가 없습니다.",
                                "en": "Nothing changed noticeably in the last hour."},
    "agent.answer.offline_list": {"ko": "**오프라인 서버 {n}대**: {hosts}",
                                  "en": "**{n} offline servers**: {hosts}"},
    "agent.answer.offline_none": {"ko": "오프라인 서버는 없습니다 — {n}대 모두 메트릭을 보내고 있습니다.",
                                  "en": "No server is offline — all {n} are reporting metrics."},
    "agent.answer.alerts": {
        "ko": "**지금 울리는 알림 {firing}건** (대기 {pending}건, 알림 저장소 기준)",
        "en": "**Alerts firing now: {firing}** ({pending} pending, from the alert store)"},
    "agent.answer.alerts_none": {"ko": "지금 울리는 알림은 없습니다 (대기 {pending}건).",
                                 "en": "No alert is firing right now ({pending} pending)."},
    "agent.answer.alert_item": {"ko": "{icon} {host} · {rule}: {summary} ({since}부터, {age} 전)",
                                "en": "{icon} {host} · {rule}: {summary} (since {since}, {age} ago)"},
    "agent.answer.history": {"ko": "**지난 {span} 동안 ({since} 이후) 있었던 일 {n}건** (이벤트 기록 기준)",
                             "en": "**What happened in the last {span} (since {since}): {n} events** "
                                   "(from the event timeline)"},
    "agent.answer.history_none": {
        "ko": "지난 {span} 동안 ({since} 이후) 기록된 일이 없습니다: 장애·배포·상태 변화 없음.",
        "en": "Nothing happened in the last {span} (since {since}): "
              "no incident, deployment or status change."},
    "agent.answer.history_no_incident": {"ko": "지난 {span} 동안 ({since} 이후) 기록된 장애가 없습니다",
                                         "en": "no incident was recorded in the last {span} (since {since})"},
    "agent.answer.history_incidents": {"ko": "지난 {span} 동안 ({since} 이후) 장애 {n}건: {items}",
                                       "en": "{n} incident(s) in the last {span} (since {since}): {items}"},
    "agent.answer.history_incident": {"ko": "{when} {host} {type} (심각도 {severity}), {state}",
                                      "en": "{when} {host} {type} ({severity} severity), {state}"},
    "agent.answer.history_cleared": {"ko": "해제됨", "en": "cleared"},
    "agent.answer.history_ongoing": {"ko": "진행 중", "en": "ongoing"},
    "agent.answer.history_status": {"ko": "{when} {host} 상태 {before} → {after}",
                                    "en": "{when} {host} status {before} → {after}"},
    "agent.answer.history_deployed": {"ko": "{when} 서버 {n}대 배포 ({hosts})",
                                      "en": "{when} {n} servers deployed ({hosts})"},
    "agent.answer.history_more": {"ko": "… 외 {n}건 (GET /api/events)",
                                  "en": "… and {n} more (GET /api/events)"},
    "agent.claim.yes": {"ko": "**예** — {reason}", "en": "**Yes** — {reason}"},
    "agent.claim.yes_for_now": {"ko": "**지금은 예** — {reason} (단, 아래 주의 관찰 참고)",
                                "en": "**Yes, for now** — {reason} (but see the watch below)"},
    "agent.claim.no": {"ko": "**아니요** — {reason}", "en": "**No** — {reason}"},
    "agent.claim.likely": {"ko": "**그럴 가능성이 높습니다** — {reason}",
                           "en": "**Probably yes** — {reason}"},
    "agent.claim.metric_problem": {"ko": "{metrics} 문제", "en": "{metrics} problem"},
    "agent.claim.a_problem": {"ko": "문제", "en": "problem"},
    "agent.claim.none_deployed": {"ko": "배포된 서버 중 {where}에 해당하는 서버가 없습니다",
                                  "en": "no deployed server is {where}"},
    "agent.claim.healthy": {"ko": "{hosts}: 모든 지표가 이 시간대 평소 범위 안이고 임계값을 넘은 것도 "
                                  "없습니다",
                            "en": "{hosts}: every metric is within its usual range for this hour and none is "
                                  "over a threshold"},
    "agent.claim.not_there": {"ko": "{where}: {what} 없음", "en": "no {what} on {where}"},
    "agent.claim.down": {"ko": "다운·서비스 중단", "en": "outage"},
    "agent.claim.up": {"ko": "{hosts}: 호스트가 응답하고 서비스가 모두 실행 중입니다",
                       "en": "{hosts}: the host answers and every service is running"},
    "agent.claim.is_on": {"ko": "{what}: {host}에서 발생 중 — {detail}",
                          "en": "the {what} is on {host}: {detail}"},
    "agent.claim.nowhere": {"ko": "다른 서버 {n}대에서도 {what} 없음",
                            "en": "no {what} on the other {n} servers either"},
    "agent.claim.services": {"ko": "서비스 중단", "en": "service not running"},
    "agent.claim.symptom": {"ko": "{cause}의 증상", "en": "a symptom of its {cause}"},
    "agent.claim.symptom_detail": {"ko": "{metric} {value} ({ratio}); {evidence}",
                                   "en": "{metric} {value} ({ratio}); {evidence}"},
    "agent.claim.reason_fine": {"ko": "{where} 쪽은 정상입니다 ({hosts}: 이상 징후 없음)",
                                "en": "{where} look fine ({hosts}: no anomaly)"},
    "agent.claim.no_effect": {"ko": "{values} — 평소 범위 안입니다", "en": "it is not: {values}"},
    "agent.claim.reason_anyway": {"ko": "다만 별개로 {evidence}", "en": "Separately, {evidence}"},
    "agent.claim.own_cause": {"ko": "{host}에 자체 원인이 있습니다: {cause} — {evidence}",
                              "en": "{host} has a cause of its own: {cause} — {evidence}"},
    "agent.relation.one_path": {"ko": "같은 요청 경로", "en": "one request path"},
    "agent.relation.other_paths": {"ko": "같은 요청 경로에 있지 않음", "en": "not on one request path"},
    "agent.relation.onsets": {"ko": "시작 {minutes}분 차이", "en": "onsets {minutes} min apart"},
    "agent.relation.onsets_at_least": {"ko": "시작 최소 {minutes}분 차이",
                                       "en": "onsets at least {minutes} min apart"},
    "agent.relation.none": {"ko": "서로 관련지을 문제가 없습니다: {where}에 이상 징후 없음",
                            "en": "there are no problems to relate: no anomaly in {where}"},
    "agent.relation.only": {"ko": "문제는 {host} 한 곳뿐입니다 ({cause})",
                            "en": "only {host} has a problem ({cause})"},
    "agent.relation.fine": {"ko": "; {hosts}은(는) 이상 징후 없음", "en": "; {hosts}: no anomaly"},
    "agent.relation.one": {"ko": "서로 관련된 하나의 문제입니다: {reason}",
                           "en": "they are one problem: {reason}"},
    "agent.relation.follows": {"ko": "{host}은(는) {root}에서 비롯된 것으로 보임 ({why})",
                               "en": "{host} follows from {root} ({why})"},
    "agent.relation.independent": {"ko": "서로 관계없는 문제 {n}건입니다: {lead}와(과) {host} — {why}",
                                   "en": "{n} independent problems: {lead} and {host} — {why}"},
    "agent.relation.apart": {"ko": "{host}도 {lead}와(과) 관계없음 — {why}",
                             "en": "{host} is independent of {lead} too — {why}"},
    "agent.claim.effect_and_reason": {
        "ko": "{effect} — 이 서버 자체의 CPU·메모리·디스크에는 원인이 없고, {evidence}",
        "en": "{effect} — with no cause in its own CPU, memory or disk, while {evidence}"},
    "agent.answer.onset_at": {"ko": "{time}부터", "en": "at {time}"},
    "agent.answer.onset_before": {"ko": "{time} 이전부터", "en": "before {time}"},
    "agent.answer.time_before": {"ko": "{time} 이전", "en": "before {time}"},
    "agent.answer.since_full": {
        "ko": "**{host} {metric}: {time}부터 {value}로 가득 참** (위험 임계값 {threshold} 이상은 "
              "{crossed}부터) — 차오르기 시작한 것은 {onset}",
        "en": "**{metric} on {host}: full since {time}** (at {value}; past the critical {threshold} since "
              "{crossed}) — it started filling {onset}"},
    "agent.answer.since_saturated": {
        "ko": "**{host} {metric}: {time}부터 {value}에서 포화** (위험 임계값 {threshold} 이상은 "
              "{crossed}부터) — 오르기 시작한 것은 {onset}",
        "en": "**{metric} on {host}: saturated at {value} since {time}** (past the critical {threshold} "
              "since {crossed}) — it started rising {onset}"},
    "agent.answer.since_critical": {
        "ko": "**{host} {metric} {value}: {time}부터 위험 임계값 {threshold} 이상** — 오르기 시작한 것은 "
              "{onset}",
        "en": "**{metric} on {host} at {value}: past the critical threshold ({threshold}) since {time}** — "
              "it started rising {onset}"},
    "agent.answer.since_onset": {"ko": "**{host} {metric} {value}** — 평소 수준을 벗어난 것은 {onset}",
                                 "en": "**{metric} on {host} at {value}** — off its usual level {onset}"},
    "agent.answer.forecast_none": {"ko": "현재 추세로 임계값에 다가가는 지표는 없습니다.",
                                   "en": "No metric is trending toward a threshold right now."},
    "agent.answer.provided_note": {
        "ko": "_전달받은 값만으로 분석했습니다 (이력 없음: 추세·시작 시각은 알 수 없음)._",
        "en": "_Analysed from the values given only (no history, so no trend or start time)._"},
    "agent.answer.provided_note_history": {
        "ko": "_전달받은 값과 이력만으로 분석했습니다 (추세는 보낸 이력에서 계산, 시작 시각은 알 수 없음)._",
        "en": "_Analysed from the values and history given only (trends from the history sent; no start "
              "time)._"},
    "agent.dir.up": {"ko": "높음", "en": "above"},
    "agent.dir.down": {"ko": "낮음", "en": "below"},
    "agent.level.warning": {"ko": "경고", "en": "warning"},
    "agent.level.critical": {"ko": "위험", "en": "critical"},
    "agent.level.online": {"ko": "이상 징후", "en": "anomalous"},
    "agent.level.offline": {"ko": "오프라인", "en": "offline"},
    "agent.ev.primary": {"ko": "{metric} {value} — 이 시간대 평소({usual})보다 {z}σ {dir}, {since}",
                         "en": "{metric} {value} — {z}σ {dir} its usual {usual} for this hour, {since}"},
    "agent.ev.threshold": {"ko": "{metric} {value} — {level} 임계값 {threshold} 이상",
                           "en": "{metric} {value} — above the {level} threshold of {threshold}"},
    "agent.ev.given_usual": {"ko": "{metric} {value} — 이 시간대 평소({usual})보다 {z}σ {dir}",
                             "en": "{metric} {value} — {z}σ {dir} its usual {usual} for this hour"},
    "agent.ev.given_normal_usual": {"ko": "{metric} {value} — 이 시간대 평소 수준 (평소 {usual})",
                                    "en": "{metric} {value} — usual for this hour ({usual})"},
    "agent.ev.given_below": {"ko": "{metric} {value} — 경고 임계값 {threshold} 미만",
                             "en": "{metric} {value} — below the warning threshold of {threshold}"},
    "agent.ev.trend": {"ko": "추이 {first} → {last} ({delta}, 샘플 {n}개, {dir})",
                       "en": "trend {first} → {last} ({delta} over {n} samples, {dir})"},
    "agent.trend.up": {"ko": "상승", "en": "rising"},
    "agent.trend.down": {"ko": "하락", "en": "falling"},
    "agent.trend.flat": {"ko": "보합", "en": "flat"},
    "agent.ev.since": {"ko": "{time}부터", "en": "since {time}"},
    "agent.ev.since_before": {"ko": "{time} 이전부터 (3시간 넘게 지속)",
                              "en": "since before {time} (over 3 h)"},
    "agent.ev.climb": {"ko": "{time}부터 분당 {slope}씩 꾸준히 증가 (r²={r2})",
                       "en": "climbing steadily by {slope} a minute since {time} (r²={r2})"},
    "agent.ev.climb_long": {"ko": "분당 {slope}씩 꾸준히 증가 (r²={r2}, 3시간 넘게)",
                            "en": "climbing steadily by {slope} a minute (r²={r2}, for over 3 h)"},
    "agent.ev.saturated": {"ko": "{time}부터 {value}에서 포화 — 상한에 붙어 더 오르지 못함",
                           "en": "saturated at {value} since {time} — pinned at its ceiling, it can go no "
                                 "higher"},
    "agent.ev.saturated_long": {"ko": "{value}에서 포화 — 상한에 붙어 더 오르지 못함 (3시간 넘게)",
                                "en": "saturated at {value} — pinned at its ceiling (for over 3 h)"},
    "agent.ev.filled": {"ko": "그 전에는 {time}부터 분당 {slope}씩 꾸준히 증가했음 (r²={r2})",
                        "en": "before that it climbed by {slope} a minute from {time} (r²={r2})"},
    "agent.ev.filled_long": {"ko": "그 전에는 분당 {slope}씩 꾸준히 증가했음 (r²={r2}, 3시간 넘게 전부터)",
                             "en": "before that it climbed by {slope} a minute (r²={r2}, from over 3 h ago)"},
    "agent.ev.watch": {"ko": "주의 관찰 단계 — 아직 경고 임계값 {threshold} 아래{eta}",
                       "en": "watch: still under its warning threshold ({threshold}){eta}"},
    "agent.ev.watch_eta": {"ko": " (이 추세면 {eta} 뒤 도달)", "en": " — there in {eta} at this rate"},
    "agent.ev.forecast": {"ko": "이 추세면 {eta} 뒤 {label}", "en": "at this rate: {label} in {eta}"},
    "agent.ev.forecast.critical": {"ko": "위험 임계값 {threshold} 도달",
                                   "en": "the critical threshold ({threshold})"},
    "agent.ev.forecast.full.memory": {"ko": "메모리 고갈 (100%)", "en": "memory exhausted (100%)"},
    "agent.ev.forecast.full.disk": {"ko": "디스크 가득 참 (100%)", "en": "disk full (100%)"},
    "agent.ev.drivers_cpu": {
        "ko": "같은 시각 {items} (CPU와 상관계수 r={r}) — 늘어난 요청이 CPU를 끌어올렸습니다",
        "en": "at the same time {items} (r={r} with CPU) — the extra requests are what drive the CPU"},
    "agent.ev.drivers_cpu_long": {"ko": "함께 {items} — 늘어난 요청이 CPU를 끌어올렸습니다",
                                  "en": "together with {items} — the extra requests are what drive the CPU"},
    "agent.ev.no_traffic": {
        "ko": "네트워크·연결 수는 평소 수준 — 외부 요청이 아니라 서버 안의 작업이 CPU를 쓰고 있습니다",
        "en": "network and connections are at their usual levels — work inside the server, not incoming "
              "requests, is using the CPU"},
    "agent.ev.congestion": {
        "ko": "CPU는 평소 수준({cpu})인데 {items} — 연결이 쌓이고 처리량이 줄어, 지연은 서버가 아니라 "
              "네트워크 구간에 있습니다",
        "en": "CPU is at its usual {cpu} while {items} — connections pile up and throughput falls: the "
              "delay is in the network, not the server"},
    "agent.ev.service": {"ko": "{service} 서비스 중지 (포트 {port} 응답 없음){since}",
                         "en": "{service} is stopped (port {port} not answering){since}"},
    "agent.ev.host": {"ko": "{since} 메트릭 없음 — 호스트가 응답하지 않고 서비스 {n}개가 모두 중지됨",
                      "en": "no metrics {since} — the host is not responding and all {n} services are down"},
    "agent.ev.host_since": {"ko": "{time} 이후", "en": "since {time}"},
    "agent.ev.host_since_before": {"ko": "{time} 이전부터 (3시간 넘게)",
                                   "en": "since before {time} (over 3 h)"},
    "agent.ev.symptom": {"ko": "{metric} {value} ({ratio}) — {cause}의 증상{link}",
                         "en": "{metric} {value} ({ratio}) — a symptom of the {cause}{link}"},
    "agent.ev.link_r": {"ko": " (r={r})", "en": " (r={r})"},
    "agent.ev.link_lag": {"ko": " ({cause_metric} 변화 {lag}분 뒤 시작{r})",
                          "en": " (began {lag} min after the {cause_metric}{r})"},
    "agent.ev.link_lag_r": {"ko": ", r={r}", "en": ", r={r}"},
    "agent.ev.item_ratio": {"ko": "{metric} {ratio}", "en": "{metric} {ratio}"},
    "agent.action.scale_out": {"ko": "{host}에 인스턴스를 추가하거나 오토스케일링으로 부하를 나누세요",
                               "en": "Add instances behind {host} or let autoscaling spread the load"},
    "agent.effect.scale_out": {"ko": "CPU와 응답 시간이 평소 수준으로 회복",
                               "en": "CPU and response time back to usual"},
    "agent.action.rate_limit": {
        "ko": "급증한 요청의 출처를 확인하고, 비정상 트래픽이면 레이트 리밋·차단을 적용하세요",
        "en": "Find where the extra requests come from; rate-limit or block them if abusive"},
    "agent.effect.rate_limit": {"ko": "과부하의 원인 차단", "en": "Stops the overload at its source"},
    "agent.action.investigate_process": {
        "ko": "{host}에서 top/pidstat로 CPU를 점유한 프로세스를 찾아 재시작하세요",
        "en": "On {host}, find the process holding the CPU (top, pidstat) and restart it"},
    "agent.effect.investigate_process": {"ko": "CPU 회복, 응답 시간 정상화",
                                         "en": "CPU recovers, response time normalises"},
    "agent.action.restart_leaking": {
        "ko": "{host}의 {service} 서비스를 재시작해 메모리를 회수하세요 (임시 조치)",
        "en": "Restart {service} on {host} to reclaim the memory (stopgap)"},
    "agent.effect.restart_leaking": {"ko": "메모리 즉시 회수, 스왑·지연 해소",
                                     "en": "Memory reclaimed at once; swapping and latency stop"},
    "agent.action.find_leak": {"ko": "힙 덤프·메모리 프로파일로 누수 지점을 찾아 수정하세요",
                               "en": "Take a heap dump / memory profile to find and fix the leak"},
    "agent.effect.find_leak": {"ko": "재발 방지", "en": "Prevents a repeat"},
    "agent.action.add_memory": {"ko": "{host}의 메모리를 늘리거나 메모리를 많이 쓰는 작업을 옮기세요",
                                "en": "Give {host} more memory or move memory-hungry work elsewhere"},
    "agent.effect.add_memory": {"ko": "스왑과 OOM 위험 해소", "en": "Removes the swap and OOM risk"},
    "agent.action.clear_disk": {
        "ko": "{host}의 로그·임시 파일·오래된 백업을 정리하세요 (du -sh /var/* 로 큰 디렉터리 확인)",
        "en": "Clear logs, temp files and old backups on {host} (du -sh /var/* finds the big ones)"},
    "agent.effect.clear_disk": {"ko": "쓰기 실패 예방{eta}", "en": "Prevents failed writes{eta}"},
    "agent.effect.eta": {"ko": " (가득 차기까지 {eta})", "en": " (full in {eta})"},
    "agent.action.expand_disk": {"ko": "{host}의 볼륨을 확장하세요", "en": "Expand the volume on {host}"},
    "agent.effect.expand_disk": {"ko": "장기적인 여유 공간 확보", "en": "Lasting headroom"},
    "agent.action.check_network": {
        "ko": "{host}의 네트워크 경로를 점검하세요 (mtr, 인터페이스 오류·드롭 카운터)",
        "en": "Check the network path of {host} (mtr, interface error and drop counters)"},
    "agent.effect.check_network": {"ko": "지연 구간 특정", "en": "Pinpoints where the delay is"},
    "agent.action.reroute": {"ko": "트래픽을 다른 경로나 가용 영역으로 우회하세요",
                             "en": "Route traffic through another path or availability zone"},
    "agent.effect.reroute": {"ko": "사용자 지연 즉시 완화", "en": "Relieves user-facing latency now"},
    "agent.action.restart_service": {
        "ko": "{host}에서 {service} 서비스를 재시작하고 (systemctl restart {service}) 로그를 확인하세요",
        "en": "Restart {service} on {host} (systemctl restart {service}) and read its log"},
    "agent.effect.restart_service": {"ko": "서비스 복구, 트래픽 정상화",
                                     "en": "Service restored, traffic back"},
    "agent.action.check_host": {"ko": "{host}의 전원·네트워크·하이퍼바이저 상태를 확인하고 콘솔로 접속하세요",
                                "en": "Check power, network and hypervisor of {host}, and open its console"},
    "agent.effect.check_host": {"ko": "호스트 복구", "en": "Host back online"},
    "agent.action.failover": {"ko": "{host}의 역할을 대기 서버로 넘기세요 (장애 조치)",
                              "en": "Fail {host}'s role over to a standby"},
    "agent.effect.failover": {"ko": "서비스 중단 시간 최소화", "en": "Minimises downtime"},
    "agent.action.trace_latency": {
        "ko": "{host}의 느린 요청을 추적하세요 (APM, 느린 쿼리 로그, 의존 서비스 응답 시간)",
        "en": "Trace slow requests on {host} (APM, slow query log, dependency latency)"},
    "agent.effect.trace_latency": {"ko": "지연 원인 특정", "en": "Finds what is slow"},
    "agent.action.watch_traffic": {
        "ko": "{host}의 트래픽 변화 원인(배포, 캠페인, 봇)을 확인하세요",
        "en": "Find out why traffic to {host} changed (a release, a campaign, bots)"},
    "agent.effect.watch_traffic": {"ko": "용량 계획에 반영", "en": "Feeds capacity planning"},
    "agent.action.check_upstream": {
        "ko": "{host} 앞단(로드밸런서, DNS, 헬스 체크)을 확인하세요",
        "en": "Check what sits in front of {host} (load balancer, DNS, health checks)"},
    "agent.effect.check_upstream": {"ko": "끊긴 트래픽 복구", "en": "Restores the lost traffic"},
    "agent.action.raise_threshold": {
        "ko": "{host}의 {metric} 경고 임계값({threshold})을 평소 수준보다 높게 조정하는 것을 검토하세요",
        "en": "Consider raising the {metric} warning threshold of {host} ({threshold}) above its usual "
              "level"},
    "agent.effect.raise_threshold": {"ko": "불필요한 경고 감소", "en": "Fewer false alarms"},
    "agent.action.watch": {"ko": "추세를 계속 지켜보세요 — 지금은 조치할 이상이 없습니다",
                           "en": "Keep watching the trends — nothing needs action right now"},
    "agent.effect.watch": {"ko": "없음 (정상)", "en": "None (healthy)"},
    "agent.pattern.cpu_high": {"ko": "CPU 높음", "en": "CPU high"},
    "agent.pattern.memory_high": {"ko": "메모리 높음", "en": "memory high"},
    "agent.pattern.cpu_memory": {"ko": "CPU·메모리 동시 확인", "en": "CPU and memory together"},
    "agent.pattern.disk_full": {"ko": "디스크 부족", "en": "disk full"},
    "agent.pattern.network_slow": {"ko": "네트워크 느림", "en": "network slow"},
    "agent.pattern.server_slow": {"ko": "서버 느림", "en": "server slow"},
    "agent.pattern.status_summary": {"ko": "상태 요약", "en": "status summary"},
    "agent.pattern.offline": {"ko": "오프라인 서버·중단된 서비스",
                              "en": "offline servers and stopped services"},
    "agent.pattern.biggest_change": {"ko": "최근 1시간 변화", "en": "biggest change in the last hour"},
    "agent.pattern.top_title": {"ko": "**{metric} 상위 {n}대** (현재 값)",
                                "en": "**Top {n} by {metric}** (current values)"},
    "agent.pattern.item": {"ko": "{host}: {value}{mark}", "en": "{host}: {value}{mark}"},
    "agent.pattern.over": {"ko": " ⚠️ {level} 임계값 {threshold} 이상",
                           "en": " ⚠️ above the {level} threshold ({threshold})"},
    "agent.pattern.none_over": {"ko": "{metric} 임계값을 넘은 서버는 없습니다.",
                                "en": "No server is over its {metric} threshold."},
    "agent.pattern.not_measured": {
        "ko": "{metric} 값을 보내는 서버가 없습니다: 이 메트릭 소스는 {metric}을(를) 측정하지 않습니다.",
        "en": "No server reports {metric}: this metric source does not measure it."},
    "agent.pattern.over_count": {"ko": "{metric} 임계값을 넘은 서버 {n}대.",
                                 "en": "{n} servers over their {metric} threshold."},
    "agent.pattern.both": {"ko": "CPU와 메모리가 함께 경고 이상인 서버: {hosts}",
                           "en": "CPU and memory both at warning or worse: {hosts}"},
    "agent.pattern.both_none": {"ko": "CPU와 메모리가 함께 높은 서버는 없습니다.",
                                "en": "No server has both CPU and memory high."},
    "agent.pattern.change_title": {"ko": "**1시간 전 대비 변화가 큰 서버**",
                                   "en": "**Biggest change against an hour ago**"},
    "agent.pattern.change_item": {"ko": "{host} {metric}: {before} → {after}",
                                  "en": "{host} {metric}: {before} → {after}"},
    "agent.pattern.not_running": {"ko": "**중단된 서비스·서버**: {items}", "en": "**Not running**: {items}"},
    "agent.pattern.note": {"ko": "_패턴 매칭 답변입니다: 현재 값만 보고 원인은 분석하지 않았습니다._",
                           "en": "_Pattern-matched answer: current values only, no cause analysis._"},
    "agent.fallback.limited": {
        "ko": "⚠️ 지금은 분석 기능이 제한되어 현재 상태와 임계값 기준의 기본 정보만 알려드립니다.",
        "en": "⚠️ Analysis is limited right now, so this is only the current status against thresholds."},
    "agent.fallback.problem": {"ko": "{host} ({state}): {alerts}", "en": "{host} ({state}): {alerts}"},
    "agent.fallback.offline": {"ko": "메트릭 없음", "en": "no metrics"},
    "agent.fallback.service": {"ko": "{service} 중지", "en": "{service} stopped"},
    "agent.fallback.all_ok": {"ko": "임계값을 넘은 서버는 없습니다.", "en": "No server is over a threshold."},
    "agent.fallback.unavailable": {
        "ko": "⚠️ 지금은 서버 상태를 읽을 수 없습니다. 잠시 후 다시 시도하세요.",
        "en": "⚠️ The server status can't be read right now. Please try again shortly."},
    "agent.action.check_alerts": {"ko": "{host}의 알림을 확인하세요: {alert}",
                                  "en": "Look at the alert on {host}: {alert}"},
    "agent.effect.check_alerts": {"ko": "임계값 초과 해소", "en": "Clears the threshold breach"},
    "agent.action.retry": {"ko": "잠시 후 다시 질문하면 전체 분석을 받을 수 있습니다",
                           "en": "Ask again shortly for the full analysis"},
    "agent.effect.retry": {"ko": "원인 분석 포함", "en": "Includes cause analysis"},
    "agent.probe": {"ko": "현재 서버 상태 요약해줘", "en": "Summarise the current server status"},
    "agent.analyze_server": {"ko": "{host} 서버 상태를 분석해줘", "en": "Analyse the status of {host}"},
    "agent.anomaly.report": {"ko": "{scanned}대 중 이상 지표 {n}개",
                             "en": "{n} anomalous metrics on {scanned} servers"},
    "agent.step.completed": {"ko": "{tier} 답변 완료 ({seconds}초)", "en": "{tier} answered in {seconds} s"},
    "agent.error.timeout": {"ko": "{tier}: {seconds}초 안에 응답 없음",
                            "en": "{tier}: no answer within {seconds} s"},
    "agent.error.failed": {"ko": "{tier} 오류: {error}", "en": "{tier} error: {error}"},
    "agent.error.no_match": {"ko": "{tier}: 일치하는 패턴 없음", "en": "{tier}: no pattern matched"},
    "agent.error.skipped": {"ko": "{tier}: 답변 시간 예산을 다 써서 시작하지 않음",
                            "en": "{tier}: not started, the answer's time budget was spent"},
}


def t(key: str, lang: Lang = "ko", **values: object) -> str:
    return TEXT[key][lang].format(**values)


def detect_language(text: str) -> Lang:
    """The language most of the text's words are in: a word holding Hangul is Korean ("CPU가" carries a
    Korean particle), one of Latin letters English, unless it tells neither language (`_tells_neither`).
    An even count goes to the language of the last word, where Korean puts the predicate; text with no
    telling word is English."""
    korean = english = 0
    last: Lang | None = None
    for word in _WORD.findall(text):
        if _HANGUL.search(word):
            korean, last = korean + 1, "ko"
        elif _LATIN.search(word) and not _tells_neither(word):
            english, last = english + 1, "en"
    if korean != english:
        return "ko" if korean > english else "en"
    return last or "en"


def _tells_neither(word: str) -> bool:
    """A hostname, id or metric key (a digit or `-_./` inside: web-prod-01, srv_002, network_in), an
    acronym (CPU, DB, K8S), or a metric's or unit's name that both languages type in Latin letters."""
    return (bool(_IDENTIFIER.search(word)) or (len(word) > 1 and word.isupper())
            or word.lower() in _SHARED_TERMS)


def from_accept_language(header: str | None) -> Lang:
    """Pick ko or en from an Accept-Language header; Korean is the default."""
    if not header:
        return "ko"
    best: tuple[float, Lang] | None = None
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and (best is None or quality > best[0]):
            best = (quality, primary)
    return best[1] if best else "ko"


NO_VALUE = "—"  # what a value that does not exist (a down host's uptime) shows as


def format_uptime(seconds: float, lang: Lang = "ko") -> str:
    """The guide's "15일 8시간" form, finer when the server is young."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return t("uptime_days", lang, d=days, h=hours)
    if hours:
        return t("uptime_hours", lang, h=hours, m=minutes)
    return t("uptime_minutes", lang, m=minutes, s=secs)
