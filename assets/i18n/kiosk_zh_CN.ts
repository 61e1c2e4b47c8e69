<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>kiosk</name>
    <message>
        <source>cloud.bad_data</source>
        <extracomment>An exam&apos;s data could not be read ({detail}).</extracomment>
        <translation>检查资料不完整，无法打印。请到服务台咨询。</translation>
    </message>
    <message>
        <source>cloud.bad_multipart</source>
        <extracomment>The imaging cloud&apos;s answer was incomplete or malformed ({detail}).</extracomment>
        <translation>从影像云收到的资料不完整，请稍后再试或到服务台咨询。</translation>
    </message>
    <message>
        <source>cloud.error</source>
        <extracomment>The imaging cloud at {cloud} answered with an error ({detail}).</extracomment>
        <translation>影像云返回了错误，请到服务台咨询。</translation>
    </message>
    <message>
        <source>cloud.forbidden</source>
        <extracomment>The imaging cloud at {cloud} does not allow the kiosk to read this ({detail}).</extracomment>
        <translation>本机无权读取这项检查，请到服务台咨询。</translation>
    </message>
    <message>
        <source>cloud.not_found</source>
        <extracomment>The imaging cloud at {cloud} does not have what was asked for ({detail}).</extracomment>
        <translation>影像云中找不到这项检查的资料，请到服务台咨询。</translation>
    </message>
    <message>
        <source>cloud.offline_not_cached</source>
        <extracomment>The imaging cloud at {cloud} cannot be reached ({detail}) and this exam is not in the kiosk&apos;s offline cache. Please try again later or ask at the desk.</extracomment>
        <translation>影像云暂时无法连接，本机也没有这项检查的离线资料。请稍后再试或到服务台咨询。</translation>
    </message>
    <message>
        <source>cloud.server_error</source>
        <extracomment>The imaging cloud at {cloud} is failing ({detail}). Please try again later or ask at the desk.</extracomment>
        <translation>影像云暂时出现故障，请稍后再试或到服务台咨询。</translation>
    </message>
    <message>
        <source>cloud.timeout</source>
        <extracomment>The imaging cloud at {cloud} did not answer in time ({detail}). Please try again later or ask at the desk.</extracomment>
        <translation>影像云响应超时，请稍后再试或到服务台咨询。</translation>
    </message>
    <message>
        <source>cloud.unauthorized</source>
        <extracomment>The imaging cloud at {cloud} refused the kiosk&apos;s credentials ({detail}).</extracomment>
        <translation>影像云拒绝了本机的登录信息，请到服务台咨询。</translation>
    </message>
    <message>
        <source>cloud.unreachable</source>
        <extracomment>The imaging cloud at {cloud} cannot be reached ({detail}). Please try again later or ask at the desk.</extracomment>
        <translation>暂时无法连接影像云，请稍后再试或到服务台咨询。</translation>
    </message>
    <message>
        <source>code.bad_id_number</source>
        <extracomment>This ID number does not pass its check digit. Please place the card again or ask at the desk.</extracomment>
        <translation>身份证号码校验不正确，请重新放置身份证或到服务台咨询。</translation>
    </message>
    <message>
        <source>code.bad_token</source>
        <extracomment>This QR code is not valid. Please ask at the desk.</extracomment>
        <translation>这个二维码无效，请到服务台咨询。</translation>
    </message>
    <message>
        <source>code.not_supported</source>
        <extracomment>This kind of card or code cannot be used at this kiosk ({kind}). Please scan your exam slip or ask at the desk.</extracomment>
        <translation>本机暂不支持这种卡或二维码，请扫描检查单条码或到服务台咨询。</translation>
    </message>
    <message>
        <source>code.token_expired</source>
        <extracomment>This QR code has expired. Please get a new one and scan it again.</extracomment>
        <translation>这个二维码已过期，请重新获取后再扫描。</translation>
    </message>
    <message>
        <source>code.token_used</source>
        <extracomment>This QR code has already been used. Please get a new one or ask at the desk.</extracomment>
        <translation>这个二维码已经使用过，请重新获取或到服务台咨询。</translation>
    </message>
    <message>
        <source>code.unknown</source>
        <extracomment>This code is not recognised. Please check the barcode on your exam slip, or ask at the desk.</extracomment>
        <translation>无法识别这个号码。请核对检查单上的条码，或到服务台咨询。</translation>
    </message>
    <message>
        <source>code.unknown_card</source>
        <extracomment>This card is not recognised here. Please scan your exam slip or ask at the desk.</extracomment>
        <translation>无法识别这张卡，请扫描检查单条码或到服务台咨询。</translation>
    </message>
    <message>
        <source>device.door-open</source>
        <extracomment>A door or cover is open: close it.</extracomment>
        <translation>有舱门或前盖开着：请合上。</translation>
    </message>
    <message>
        <source>device.marker-supply-empty</source>
        <extracomment>A supply (toner, ink, chemicals) is empty.</extracomment>
        <translation>耗材（墨粉、墨水、药液）用完。</translation>
    </message>
    <message>
        <source>device.marker-supply-low</source>
        <extracomment>A supply (toner, ink, chemicals) is low.</extracomment>
        <translation>耗材（墨粉、墨水、药液）不足。</translation>
    </message>
    <message>
        <source>device.marker-waste-full</source>
        <extracomment>The waste container is full: replace it.</extracomment>
        <translation>废料盒已满：请更换。</translation>
    </message>
    <message>
        <source>device.media-empty</source>
        <extracomment>Out of paper or film: load a new box.</extracomment>
        <translation>纸张或胶片用完：请装入新的一盒。</translation>
    </message>
    <message>
        <source>device.media-jam</source>
        <extracomment>Paper or film is jammed: open the printer and clear it.</extracomment>
        <translation>纸张或胶片卡住了：请打开打印机取出。</translation>
    </message>
    <message>
        <source>device.media-low</source>
        <extracomment>Paper or film is running low: have a new box ready.</extracomment>
        <translation>纸张或胶片快用完了：请准备新的一盒。</translation>
    </message>
    <message>
        <source>device.media-needed</source>
        <extracomment>The printer needs a different paper or film size loaded.</extracomment>
        <translation>需要装入另一种尺寸的纸张或胶片。</translation>
    </message>
    <message>
        <source>device.offline</source>
        <extracomment>The printer is offline: check its power and cable.</extracomment>
        <translation>打印机离线：请检查电源和连线。</translation>
    </message>
    <message>
        <source>device.other</source>
        <extracomment>The printer reports a condition: see its panel.</extracomment>
        <translation>打印机报告了一个情况：请查看打印机面板。</translation>
    </message>
    <message>
        <source>device.output-area-almost-full</source>
        <extracomment>The output tray is almost full.</extracomment>
        <translation>出片口快满了。</translation>
    </message>
    <message>
        <source>device.output-area-full</source>
        <extracomment>The output tray is full: empty it.</extracomment>
        <translation>出片口已满：请取走。</translation>
    </message>
    <message>
        <source>device.printer-error</source>
        <extracomment>The printer reports a fault: see its panel.</extracomment>
        <translation>打印机报告故障：请查看打印机面板。</translation>
    </message>
    <message>
        <source>device.queue-stopped</source>
        <extracomment>The printer stopped after an error; once it is sorted, tap resume.</extracomment>
        <translation>打印机出错后已停止打印，处理好后按“继续打印”。</translation>
    </message>
    <message>
        <source>device.toner-empty</source>
        <extracomment>Toner is empty: replace the cartridge.</extracomment>
        <translation>墨粉用完：请更换墨盒。</translation>
    </message>
    <message>
        <source>device.toner-low</source>
        <extracomment>Toner is low: order a cartridge.</extracomment>
        <translation>墨粉不足：请订购墨盒。</translation>
    </message>
    <message>
        <source>device.warming-up</source>
        <extracomment>The printer is warming up or calibrating.</extracomment>
        <translation>打印机正在预热或校准。</translation>
    </message>
    <message>
        <source>exam.none_found</source>
        <extracomment>No exams were found for this code. Please ask at the desk.</extracomment>
        <translation>没有找到与这个号码对应的检查。请到服务台咨询。</translation>
    </message>
    <message>
        <source>feature.not_available</source>
        <extracomment>&apos;{feature}&apos; is not available yet in this version.</extracomment>
        <translation>此功能尚未提供。</translation>
    </message>
    <message>
        <source>film.compose_failed</source>
        <extracomment>The film could not be composed ({detail}).</extracomment>
        <translation>胶片无法生成，请联系工作人员。</translation>
    </message>
    <message>
        <source>film.not_enough</source>
        <extracomment>Not enough {size} film is loaded for {needed} sheet(s) ({remaining} left). Please ask the staff to load film, then print again.</extracomment>
        <translation>胶片不足，暂时无法打印您的胶片。请联系工作人员装入胶片后再打印。</translation>
    </message>
    <message>
        <source>film.size_unsupported</source>
        <extracomment>The film printer {printer} cannot print {size} film at its true size ({media}; it offers: {offered}); nothing was printed. Please ask the staff.</extracomment>
        <translation>胶片打印机现在无法按原尺寸打印您的胶片，没有打印任何内容。请联系工作人员。</translation>
    </message>
    <message>
        <source>fleet.offline</source>
        <extracomment>The kiosk cannot check the hospital&apos;s shared print record right now ({detail}), so it cannot print this. Please try again later or ask at the desk.</extracomment>
        <translation>自助机暂时无法核对打印记录，现在不能打印这项资料。请稍后再试或到服务台咨询。</translation>
    </message>
    <message>
        <source>idcard.place_again</source>
        <extracomment>The ID card could not be read. Please place it flat on the reader again.</extracomment>
        <translation>没有读到身份证，请将身份证重新平放在读卡区。</translation>
    </message>
    <message>
        <source>idcard.reader_failed</source>
        <extracomment>The ID card reader is not working ({detail}). Please scan your exam slip or ask at the desk.</extracomment>
        <translation>身份证读卡器暂时不可用，请扫描检查单条码或到服务台咨询。</translation>
    </message>
    <message>
        <source>identity.lookup_failed</source>
        <extracomment>The identity service at {service} could not be asked ({detail}). Please try again later or ask at the desk.</extracomment>
        <translation>暂时无法核对您的身份信息，请稍后再试或到服务台咨询。</translation>
    </message>
    <message>
        <source>identity.not_registered</source>
        <extracomment>No registration at this hospital was found for this card or code. Please ask at the desk.</extracomment>
        <translation>没有找到您在本院的登记信息，请到服务台咨询。</translation>
    </message>
    <message>
        <source>item.already_printed</source>
        <extracomment>Already printed on {when}; ask the staff for a reprint.</extracomment>
        <translation>已打印。如需补打，请到服务台。</translation>
    </message>
    <message>
        <source>item.in_progress</source>
        <extracomment>A print of this item is in progress or waits for the staff ({state}).</extracomment>
        <translation>正在打印，或正在等待工作人员处理。</translation>
    </message>
    <message>
        <source>item.no_images</source>
        <extracomment>This exam has no images to print on film.</extracomment>
        <translation>这项检查没有可打印的胶片。</translation>
    </message>
    <message>
        <source>item.no_report</source>
        <extracomment>This exam has no report yet.</extracomment>
        <translation>这项检查还没有报告。</translation>
    </message>
    <message>
        <source>item.not_recent</source>
        <extracomment>This exam is more than {days} days old; it prints only when chosen on the kiosk screen.</extracomment>
        <translation>这是 {days} 天以前的检查，需要时请在自助机屏幕上勾选打印。</translation>
    </message>
    <message>
        <source>item.printed_elsewhere</source>
        <extracomment>Already printed at another kiosk ({kiosk}) on {when}; ask the staff for a reprint.</extracomment>
        <translation>已在另一台自助机上打印过。如需补打，请到服务台。</translation>
    </message>
    <message>
        <source>item.printer_fault</source>
        <extracomment>The printer has a fault at the moment, so this cannot print now. Please ask at the desk.</extracomment>
        <translation>打印机暂时出现故障，现在不能打印。请到服务台咨询。</translation>
    </message>
    <message>
        <source>item.printer_offline</source>
        <extracomment>The printer is not connected at the moment, so this cannot print now. Please ask at the desk.</extracomment>
        <translation>打印机暂时没有连接，现在不能打印。请到服务台咨询。</translation>
    </message>
    <message>
        <source>item.printer_out_of_film</source>
        <extracomment>The film printer is waiting for film to be loaded, so this cannot print now. Please ask at the desk.</extracomment>
        <translation>胶片打印机正在等待装入胶片，现在不能打印。请到服务台咨询。</translation>
    </message>
    <message>
        <source>item.printer_out_of_paper</source>
        <extracomment>The printer is waiting for paper to be loaded, so this cannot print now. Please ask at the desk.</extracomment>
        <translation>打印机正在等待装纸，现在不能打印。请到服务台咨询。</translation>
    </message>
    <message>
        <source>item.printing_elsewhere</source>
        <extracomment>This is being printed at another kiosk ({kiosk}) right now; collect it there or ask at the desk.</extracomment>
        <translation>这项资料正在另一台自助机上打印，请到那台自助机取件或到服务台咨询。</translation>
    </message>
    <message>
        <source>item.report_expected</source>
        <extracomment>The report is not final yet; expected at {time}.</extracomment>
        <translation>报告尚未完成，预计 {time} 可取。</translation>
    </message>
    <message>
        <source>item.report_not_final</source>
        <extracomment>The report is not final yet.</extracomment>
        <translation>报告尚未完成。</translation>
    </message>
    <message>
        <source>item.report_unsupported</source>
        <extracomment>This report&apos;s format ({sop_class}) cannot be printed here yet; the desk can print it.</extracomment>
        <translation>这份报告需要到服务台打印。</translation>
    </message>
    <message>
        <source>item.waits_for_staff</source>
        <extracomment>Whether this printed ({kiosk}) must be checked by the staff first; please ask at the desk.</extracomment>
        <translation>这项资料的打印情况需要工作人员确认，请到服务台。</translation>
    </message>
    <message>
        <source>kind.film</source>
        <extracomment>Film</extracomment>
        <translation>胶片</translation>
    </message>
    <message>
        <source>kind.report</source>
        <extracomment>Report</extracomment>
        <translation>报告</translation>
    </message>
    <message>
        <source>mnt.action_failed</source>
        <extracomment>That did not work. Please try again; if it still fails, call IT support.</extracomment>
        <translation>操作没有完成，请再试一次；如仍不行，请联系信息科。</translation>
    </message>
    <message>
        <source>mnt.actor_kiosk</source>
        <extracomment>Kiosk</extracomment>
        <translation>自助机</translation>
    </message>
    <message>
        <source>mnt.audit.fleet.settled</source>
        <extracomment>Other kiosk&apos;s item settled</extracomment>
        <translation>确认其他自助机的作业</translation>
    </message>
    <message>
        <source>mnt.audit.job.canceled</source>
        <extracomment>Job canceled</extracomment>
        <translation>作业取消</translation>
    </message>
    <message>
        <source>mnt.audit.job.held</source>
        <extracomment>Job waiting for a nurse</extracomment>
        <translation>作业等待处理</translation>
    </message>
    <message>
        <source>mnt.audit.job.paused</source>
        <extracomment>Job stopped</extracomment>
        <translation>作业暂停</translation>
    </message>
    <message>
        <source>mnt.audit.job.resumed</source>
        <extracomment>Job resumed</extracomment>
        <translation>作业继续</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.entered</source>
        <extracomment>Entered maintenance</extracomment>
        <translation>进入维护</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.exited</source>
        <extracomment>Left maintenance</extracomment>
        <translation>离开维护</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.pin_failed</source>
        <extracomment>Wrong PIN</extracomment>
        <translation>密码错误</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.quit</source>
        <extracomment>Quit the kiosk</extracomment>
        <translation>关闭程序</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.test_print</source>
        <extracomment>Test print</extracomment>
        <translation>测试打印</translation>
    </message>
    <message>
        <source>mnt.audit.other</source>
        <extracomment>Other action</extracomment>
        <translation>其他操作</translation>
    </message>
    <message>
        <source>mnt.audit.reprint.authorised</source>
        <extracomment>Reprint authorised</extracomment>
        <translation>授权补打</translation>
    </message>
    <message>
        <source>mnt.audit.supply.loaded</source>
        <extracomment>Supplies loaded</extracomment>
        <translation>记录装入</translation>
    </message>
    <message>
        <source>mnt.bad_count</source>
        <extracomment>That count is not right: enter 0 to 10,000 sheets.</extracomment>
        <translation>这个数量不对：请填 0 到 10000 之间的张数。</translation>
    </message>
    <message>
        <source>mnt.bad_staff_id</source>
        <extracomment>That staff id is not valid: 2 to 32 letters or digits.</extracomment>
        <translation>工号不正确：2 到 32 位字母或数字。</translation>
    </message>
    <message>
        <source>mnt.cancel_job</source>
        <extracomment>Cancel job</extracomment>
        <translation>取消作业</translation>
    </message>
    <message>
        <source>mnt.cleared</source>
        <extracomment>I have cleared it: resume</extracomment>
        <translation>我已处理好，继续打印</translation>
    </message>
    <message>
        <source>mnt.closed</source>
        <extracomment>No maintenance PIN is set on this kiosk (ui.staff_pin_hash).</extracomment>
        <translation>本机未设置维护密码，请联系管理员。</translation>
    </message>
    <message>
        <source>mnt.cloud_unreachable</source>
        <extracomment>The imaging cloud cannot be reached</extracomment>
        <translation>无法连接影像云</translation>
    </message>
    <message>
        <source>mnt.code</source>
        <extracomment>Patient code</extracomment>
        <translation>患者号码</translation>
    </message>
    <message>
        <source>mnt.confirm_printed</source>
        <extracomment>It did print</extracomment>
        <translation>已打印出来</translation>
    </message>
    <message>
        <source>mnt.count</source>
        <extracomment>Count</extracomment>
        <translation>数量</translation>
    </message>
    <message>
        <source>mnt.device.cloud</source>
        <extracomment>Imaging cloud</extracomment>
        <translation>影像云</translation>
    </message>
    <message>
        <source>mnt.device.film</source>
        <extracomment>Film printer</extracomment>
        <translation>胶片打印机</translation>
    </message>
    <message>
        <source>mnt.device.report</source>
        <extracomment>Report printer</extracomment>
        <translation>报告打印机</translation>
    </message>
    <message>
        <source>mnt.devices</source>
        <extracomment>Devices</extracomment>
        <translation>设备</translation>
    </message>
    <message>
        <source>mnt.done</source>
        <extracomment>Done</extracomment>
        <translation>已完成</translation>
    </message>
    <message>
        <source>mnt.enter</source>
        <extracomment>Enter</extracomment>
        <translation>进入</translation>
    </message>
    <message>
        <source>mnt.exit</source>
        <extracomment>Back to patient mode</extracomment>
        <translation>返回患者模式</translation>
    </message>
    <message>
        <source>mnt.fleet_error</source>
        <extracomment>The fleet&apos;s shared print record cannot be reached just now</extracomment>
        <translation>暂时无法连接全院共享打印记录</translation>
    </message>
    <message>
        <source>mnt.fleet_line</source>
        <extracomment>{kiosk} · {kind} · unknown since {since}: look in that kiosk&apos;s tray</extracomment>
        <translation>{kiosk} · {kind} · {since} 起不明：请查看那台自助机的出纸口</translation>
    </message>
    <message>
        <source>mnt.fleet_not_printed</source>
        <extracomment>Not in its tray</extracomment>
        <translation>那台机器上没有</translation>
    </message>
    <message>
        <source>mnt.fleet_printed</source>
        <extracomment>It printed there</extracomment>
        <translation>在那台机器上已打印</translation>
    </message>
    <message>
        <source>mnt.fleet_unreachable</source>
        <extracomment>The fleet&apos;s shared print record cannot be read: {detail}</extracomment>
        <translation>无法读取全院共享打印记录：{detail}</translation>
    </message>
    <message>
        <source>mnt.jam_model_steps</source>
        <extracomment>To clear a jam on {printer} ({model}):</extracomment>
        <translation>{printer}（{model}）卡住时，请按以下步骤处理：</translation>
    </message>
    <message>
        <source>mnt.jam_own_steps</source>
        <extracomment>To clear a jam on {printer}:</extracomment>
        <translation>{printer} 卡住时，请按以下步骤处理：</translation>
    </message>
    <message>
        <source>mnt.jam_picture</source>
        <extracomment>Picture of step {step}</extracomment>
        <translation>第 {step} 步的图示</translation>
    </message>
    <message>
        <source>mnt.jam_steps</source>
        <extracomment>1. Open the front cover of {printer}
2. Gently remove the stuck film or paper
3. Close the cover and check the light is steady</extracomment>
        <translation>1. 打开 {printer} 的前盖
2. 轻轻取出卡住的胶片或纸张
3. 合上前盖，确认指示灯正常</translation>
    </message>
    <message>
        <source>mnt.job_attention</source>
        <extracomment>This job is waiting for you.</extracomment>
        <translation>这个作业在等您处理。</translation>
    </message>
    <message>
        <source>mnt.job_line</source>
        <extracomment>Job {job} · {kind} · {printer} · {state} · confirmed {confirmed}/{units}</extracomment>
        <translation>作业 {job} · {kind} · {printer} · {state} · 已确认 {confirmed}/{units}</translation>
    </message>
    <message>
        <source>mnt.job_state.canceled</source>
        <extracomment>Canceled</extracomment>
        <translation>已取消</translation>
    </message>
    <message>
        <source>mnt.job_state.completed</source>
        <extracomment>Completed</extracomment>
        <translation>已完成</translation>
    </message>
    <message>
        <source>mnt.job_state.failed</source>
        <extracomment>Failed</extracomment>
        <translation>失败</translation>
    </message>
    <message>
        <source>mnt.job_state.paused</source>
        <extracomment>Stopped</extracomment>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>mnt.job_state.queued</source>
        <extracomment>Queued</extracomment>
        <translation>排队中</translation>
    </message>
    <message>
        <source>mnt.job_state.submitted</source>
        <extracomment>Sent</extracomment>
        <translation>已发送</translation>
    </message>
    <message>
        <source>mnt.job_state.unknown</source>
        <extracomment>Outcome unknown: look in the tray</extracomment>
        <translation>结果不明，请查看出片口</translation>
    </message>
    <message>
        <source>mnt.level.fault</source>
        <extracomment>Fault</extracomment>
        <translation>故障</translation>
    </message>
    <message>
        <source>mnt.level.ok</source>
        <extracomment>OK</extracomment>
        <translation>正常</translation>
    </message>
    <message>
        <source>mnt.level.unknown</source>
        <extracomment>Unknown</extracomment>
        <translation>未知</translation>
    </message>
    <message>
        <source>mnt.level.warn</source>
        <extracomment>Attention</extracomment>
        <translation>注意</translation>
    </message>
    <message>
        <source>mnt.load</source>
        <extracomment>Record loaded</extracomment>
        <translation>记录装入</translation>
    </message>
    <message>
        <source>mnt.locked</source>
        <extracomment>Too many wrong PINs: locked for {seconds} s.</extracomment>
        <translation>尝试次数过多，已锁定，请 {seconds} 秒后再试。</translation>
    </message>
    <message>
        <source>mnt.login</source>
        <extracomment>Enter your staff id and PIN</extracomment>
        <translation>请输入工号和维护密码</translation>
    </message>
    <message>
        <source>mnt.media.cm</source>
        <extracomment>{w} x {h} cm</extracomment>
        <translation>{w}x{h} 厘米</translation>
    </message>
    <message>
        <source>mnt.media.inch</source>
        <extracomment>{w} x {h} in</extracomment>
        <translation>{w}x{h} 英寸</translation>
    </message>
    <message>
        <source>mnt.media.mm</source>
        <extracomment>{w} x {h} mm</extracomment>
        <translation>{w}x{h} 毫米</translation>
    </message>
    <message>
        <source>mnt.media_steps</source>
        <extracomment>1. Open the tray of {printer}
2. Load new film or paper
3. Close it and record the count below</extracomment>
        <translation>1. 打开 {printer} 的纸盒或胶片盒
2. 装入新的胶片或纸张
3. 合上并在下方记录装入数量</translation>
    </message>
    <message>
        <source>mnt.never_delivered</source>
        <extracomment>This item was never printed: no reprint is needed, the patient can print it.</extracomment>
        <translation>这一项从未打印过，不需要补打，患者可直接打印。</translation>
    </message>
    <message>
        <source>mnt.no_jobs</source>
        <extracomment>No jobs are waiting</extracomment>
        <translation>没有等待处理的作业</translation>
    </message>
    <message>
        <source>mnt.no_reason</source>
        <extracomment>A reprint needs a reason (3 characters or more).</extracomment>
        <translation>补打需要填写原因（至少 3 个字）。</translation>
    </message>
    <message>
        <source>mnt.no_size</source>
        <extracomment>Choose the size you loaded.</extracomment>
        <translation>请选择装入的尺寸。</translation>
    </message>
    <message>
        <source>mnt.pin</source>
        <extracomment>PIN</extracomment>
        <translation>密码</translation>
    </message>
    <message>
        <source>mnt.quit</source>
        <extracomment>Quit the kiosk</extracomment>
        <translation>关闭程序</translation>
    </message>
    <message>
        <source>mnt.quit_confirm</source>
        <extracomment>Tap again to quit</extracomment>
        <translation>再按一次关闭</translation>
    </message>
    <message>
        <source>mnt.quit_explain</source>
        <extracomment>The kiosk starts again by itself after quitting. Wait 5 seconds to cancel.</extracomment>
        <translation>关闭后程序会自动重新启动。不关闭请稍等，5 秒后取消。</translation>
    </message>
    <message>
        <source>mnt.reason</source>
        <extracomment>Reason</extracomment>
        <translation>原因</translation>
    </message>
    <message>
        <source>mnt.reason_lost</source>
        <extracomment>Lost</extracomment>
        <translation>患者遗失</translation>
    </message>
    <message>
        <source>mnt.reason_smudged</source>
        <extracomment>Smudged</extracomment>
        <translation>胶片污损</translation>
    </message>
    <message>
        <source>mnt.reason_unclear</source>
        <extracomment>Unclear</extracomment>
        <translation>打印不清</translation>
    </message>
    <message>
        <source>mnt.recent</source>
        <extracomment>Recent events</extracomment>
        <translation>最近记录</translation>
    </message>
    <message>
        <source>mnt.refresh</source>
        <extracomment>Refresh</extracomment>
        <translation>刷新</translation>
    </message>
    <message>
        <source>mnt.reprint</source>
        <extracomment>Authorise reprint</extracomment>
        <translation>授权补打</translation>
    </message>
    <message>
        <source>mnt.resumed</source>
        <extracomment>Job {job} resumed: the printer prints again, {confirmed}/{units} confirmed</extracomment>
        <translation>作业 {job} 已继续：打印机已恢复出片，已确认 {confirmed}/{units}</translation>
    </message>
    <message>
        <source>mnt.resumed_still_stopped</source>
        <extracomment>Job {job} was sent again, but the printer still reports: {condition} Please check the printer again.</extracomment>
        <translation>作业 {job} 已重新发送，但打印机仍报告：{condition} 请再检查打印机。</translation>
    </message>
    <message>
        <source>mnt.resumed_waiting</source>
        <extracomment>Job {job} was sent again; waiting for the printer to print ({confirmed}/{units} confirmed)</extracomment>
        <translation>作业 {job} 已重新发送，正在等待打印机出片（已确认 {confirmed}/{units}）</translation>
    </message>
    <message>
        <source>mnt.resuming</source>
        <extracomment>Sending job {job} again, please wait…</extracomment>
        <translation>正在重新发送作业 {job}，请稍候…</translation>
    </message>
    <message>
        <source>mnt.size</source>
        <extracomment>Size</extracomment>
        <translation>尺寸</translation>
    </message>
    <message>
        <source>mnt.staff_id</source>
        <extracomment>Staff id</extracomment>
        <translation>工号</translation>
    </message>
    <message>
        <source>mnt.steps</source>
        <extracomment>What to do</extracomment>
        <translation>处理步骤</translation>
    </message>
    <message>
        <source>mnt.test_print</source>
        <extracomment>Test print</extracomment>
        <translation>测试打印</translation>
    </message>
    <message>
        <source>mnt.test_sent</source>
        <extracomment>Test print sent to {printer} (job {job})</extracomment>
        <translation>测试打印已发送到 {printer}（作业 {job}）</translation>
    </message>
    <message>
        <source>mnt.title</source>
        <extracomment>Maintenance</extracomment>
        <translation>维护模式</translation>
    </message>
    <message>
        <source>mnt.wrong_card</source>
        <extracomment>This is not a staff card; {left} tries left.</extracomment>
        <translation>这张卡不是维护卡，还可尝试 {left} 次。</translation>
    </message>
    <message>
        <source>mnt.wrong_pin</source>
        <extracomment>Wrong PIN; {left} tries left.</extracomment>
        <translation>密码错误，还可尝试 {left} 次。</translation>
    </message>
    <message>
        <source>printer.failed</source>
        <extracomment>The printer {printer} reported a problem ({detail}); nothing was lost.</extracomment>
        <translation>打印机出现问题，资料没有丢失，工作人员会为您处理。</translation>
    </message>
    <message>
        <source>printer.timeout</source>
        <extracomment>The printer {printer} did not finish within {seconds} s ({detail}); the job waits for the staff.</extracomment>
        <translation>打印机长时间没有完成，资料没有丢失，请联系工作人员。</translation>
    </message>
    <message>
        <source>printer.unavailable</source>
        <extracomment>The printer {printer} is not available ({detail}).</extracomment>
        <translation>打印机暂时不可用，请联系工作人员。</translation>
    </message>
    <message>
        <source>state.delivered</source>
        <extracomment>Printed</extracomment>
        <translation>已打印</translation>
    </message>
    <message>
        <source>state.failed</source>
        <extracomment>Failed</extracomment>
        <translation>打印失败</translation>
    </message>
    <message>
        <source>state.skipped</source>
        <extracomment>Not printed</extracomment>
        <translation>未打印</translation>
    </message>
    <message>
        <source>storage.full</source>
        <extracomment>The kiosk&apos;s storage is full, so it cannot print just now; nothing was lost. Please ask the staff.</extracomment>
        <translation>自助机存储空间已满，暂时无法打印，资料没有丢失。请联系工作人员。</translation>
    </message>
    <message>
        <source>ui.a11y_code</source>
        <extracomment>Exam slip code or card number</extracomment>
        <translation>检查单条码或卡号</translation>
    </message>
    <message>
        <source>ui.a11y_item</source>
        <extracomment>{kind} - {exam}</extracomment>
        <translation>{kind} - {exam}</translation>
    </message>
    <message>
        <source>ui.a11y_preset</source>
        <extracomment>{what}: {value}</extracomment>
        <translation>{what}：{value}</translation>
    </message>
    <message>
        <source>ui.back</source>
        <extracomment>Back</extracomment>
        <translation>返回</translation>
    </message>
    <message>
        <source>ui.camera_hold</source>
        <extracomment>Hold the code here</extracomment>
        <translation>请将二维码对准框内</translation>
    </message>
    <message>
        <source>ui.camera_starting</source>
        <extracomment>Starting the camera…</extracomment>
        <translation>正在打开摄像头…</translation>
    </message>
    <message>
        <source>ui.camera_unavailable</source>
        <extracomment>The camera is not working just now. Please tap “Type the code”.</extracomment>
        <translation>摄像头暂时无法使用，请点“输入号码”。</translation>
    </message>
    <message>
        <source>ui.cancel</source>
        <extracomment>Cancel</extracomment>
        <translation>取消</translation>
    </message>
    <message>
        <source>ui.collect</source>
        <extracomment>Take the report from the paper tray below and the films from the film tray on the right.</extracomment>
        <translation>请在下方出纸口取报告，在右侧胶片出口取胶片。</translation>
    </message>
    <message>
        <source>ui.collect_film</source>
        <extracomment>Take the films from the film tray on the right.</extracomment>
        <translation>请在右侧胶片出口取胶片。</translation>
    </message>
    <message>
        <source>ui.collect_report</source>
        <extracomment>Take the report from the paper tray below.</extracomment>
        <translation>请在下方出纸口取报告。</translation>
    </message>
    <message>
        <source>ui.contrast</source>
        <extracomment>High contrast</extracomment>
        <translation>高对比度</translation>
    </message>
    <message>
        <source>ui.delete</source>
        <extracomment>Delete</extracomment>
        <translation>删除</translation>
    </message>
    <message>
        <source>ui.demo_codes</source>
        <extracomment>Demo codes: </extracomment>
        <translation>演示号码：</translation>
    </message>
    <message>
        <source>ui.done_both</source>
        <extracomment>Printing is done. Please take your report and films.</extracomment>
        <translation>打印完成，请取走您的报告和胶片。</translation>
    </message>
    <message>
        <source>ui.done_film</source>
        <extracomment>Printing is done. Please take your films.</extracomment>
        <translation>打印完成，请取走您的胶片。</translation>
    </message>
    <message>
        <source>ui.done_report</source>
        <extracomment>Printing is done. Please take your report.</extracomment>
        <translation>打印完成，请取走您的报告。</translation>
    </message>
    <message>
        <source>ui.error_title</source>
        <extracomment>Sorry, this did not work</extracomment>
        <translation>很抱歉，没能完成</translation>
    </message>
    <message>
        <source>ui.exams_title</source>
        <extracomment>Please check these are your exams</extracomment>
        <translation>请确认以下是您的检查</translation>
    </message>
    <message>
        <source>ui.failed_help</source>
        <extracomment>For what did not print, please go to the desk: the staff will print it for you.</extracomment>
        <translation>没有打印出来的，请到服务台找工作人员，他们会为您打印。</translation>
    </message>
    <message>
        <source>ui.find</source>
        <extracomment>Find</extracomment>
        <translation>查找</translation>
    </message>
    <message>
        <source>ui.home</source>
        <extracomment>Back to the start</extracomment>
        <translation>回到首页</translation>
    </message>
    <message>
        <source>ui.idle_title</source>
        <extracomment>Are you still there? Back to the start in {seconds} s</extracomment>
        <translation>您还在吗？{seconds} 秒后回到首页</translation>
    </message>
    <message>
        <source>ui.instruction</source>
        <extracomment>Scan your exam slip or e-health code, or place your ID card on the reader</extracomment>
        <translation>请扫描检查单条码、电子健康卡，或将身份证放在读卡区</translation>
    </message>
    <message>
        <source>ui.item_ready</source>
        <extracomment>Ready to print</extracomment>
        <translation>可打印</translation>
    </message>
    <message>
        <source>ui.keypad_title</source>
        <extracomment>Type the number on your exam slip</extracomment>
        <translation>请输入检查单上的号码</translation>
    </message>
    <message>
        <source>ui.language</source>
        <extracomment>中文</extracomment>
        <translation>English</translation>
    </message>
    <message>
        <source>ui.leave_paused</source>
        <extracomment>Leave; collect at the desk</extracomment>
        <translation>先离开，到服务台领取</translation>
    </message>
    <message>
        <source>ui.more_exams</source>
        <extracomment>Earlier exams ({count})</extracomment>
        <translation>更早的检查（{count} 项）</translation>
    </message>
    <message>
        <source>ui.more_time</source>
        <extracomment>More time</extracomment>
        <translation>我还需要时间</translation>
    </message>
    <message>
        <source>ui.n_film_sets</source>
        <extracomment>{count} film sets</extracomment>
        <translation>{count} 组胶片</translation>
    </message>
    <message>
        <source>ui.n_film_sets.one</source>
        <extracomment>{count} film set</extracomment>
        <translation>{count} 组胶片</translation>
    </message>
    <message>
        <source>ui.n_films</source>
        <extracomment>{count} films</extracomment>
        <translation>{count} 张胶片</translation>
    </message>
    <message>
        <source>ui.n_films.one</source>
        <extracomment>{count} film</extracomment>
        <translation>{count} 张胶片</translation>
    </message>
    <message>
        <source>ui.n_pages</source>
        <extracomment>{count} pages</extracomment>
        <translation>{count} 页</translation>
    </message>
    <message>
        <source>ui.n_pages.one</source>
        <extracomment>{count} page</extracomment>
        <translation>{count} 页</translation>
    </message>
    <message>
        <source>ui.n_reports</source>
        <extracomment>{count} reports</extracomment>
        <translation>{count} 份报告</translation>
    </message>
    <message>
        <source>ui.n_reports.one</source>
        <extracomment>{count} report</extracomment>
        <translation>{count} 份报告</translation>
    </message>
    <message>
        <source>ui.no_recent_exams</source>
        <extracomment>You have no exams from the last {days} days.</extracomment>
        <translation>最近 {days} 天没有您的检查。</translation>
    </message>
    <message>
        <source>ui.not_printed</source>
        <extracomment>Nothing was printed. Nothing is lost.</extracomment>
        <translation>没有打印出来。您的资料没有丢失。</translation>
    </message>
    <message>
        <source>ui.nothing_new</source>
        <extracomment>There is nothing new to print.</extracomment>
        <translation>没有需要打印的新资料。</translation>
    </message>
    <message>
        <source>ui.nothing_to_print</source>
        <extracomment>Nothing can be printed now</extracomment>
        <translation>现在没有可以打印的资料</translation>
    </message>
    <message>
        <source>ui.older_exams</source>
        <extracomment>Earlier exams: tick what you need</extracomment>
        <translation>更早的检查：需要时请勾选</translation>
    </message>
    <message>
        <source>ui.patient_line</source>
        <extracomment>{name}   ID ending {last4}</extracomment>
        <translation>{name}&#x3000;证件尾号 {last4}</translation>
    </message>
    <message>
        <source>ui.paused_help</source>
        <extracomment>You may wait here, or leave: once the printer is fixed the rest will print; collect it at the desk.</extracomment>
        <translation>您可以在这里等候；也可以先离开，打印机修好后剩余的部分会打印出来，请到服务台领取。</translation>
    </message>
    <message>
        <source>ui.print</source>
        <extracomment>Print</extracomment>
        <translation>打印</translation>
    </message>
    <message>
        <source>ui.print_both</source>
        <extracomment>Print {reports} and {films}</extracomment>
        <translation>打印 {reports}和 {films}</translation>
    </message>
    <message>
        <source>ui.print_what</source>
        <extracomment>Print {what}</extracomment>
        <translation>打印 {what}</translation>
    </message>
    <message>
        <source>ui.printer_stopped</source>
        <extracomment>The printer has stopped. Nothing is lost; please call the staff at the desk.</extracomment>
        <translation>打印机暂停了。您的资料没有丢失，请联系服务台的工作人员。</translation>
    </message>
    <message>
        <source>ui.printing</source>
        <extracomment>Printing, please wait</extracomment>
        <translation>正在打印，请稍候</translation>
    </message>
    <message>
        <source>ui.reports_pages</source>
        <extracomment>{reports} ({pages})</extracomment>
        <translation>{reports}（{pages}）</translation>
    </message>
    <message>
        <source>ui.searching</source>
        <extracomment>Finding your exams…</extracomment>
        <translation>正在查找您的检查…</translation>
    </message>
    <message>
        <source>ui.slow</source>
        <extracomment>The network is slow; still trying. Please wait.</extracomment>
        <translation>网络较慢，仍在为您查找，请稍候。</translation>
    </message>
    <message>
        <source>ui.staff_help</source>
        <extracomment>If you need help, please ask at the desk.</extracomment>
        <translation>如需帮助，请到服务台。</translation>
    </message>
    <message>
        <source>ui.step_collect</source>
        <extracomment>Collect</extracomment>
        <translation>取件</translation>
    </message>
    <message>
        <source>ui.step_confirm</source>
        <extracomment>Confirm</extracomment>
        <translation>确认</translation>
    </message>
    <message>
        <source>ui.step_print</source>
        <extracomment>Print</extracomment>
        <translation>打印</translation>
    </message>
    <message>
        <source>ui.step_scan</source>
        <extracomment>Scan</extracomment>
        <translation>扫码</translation>
    </message>
    <message>
        <source>ui.take_card</source>
        <extracomment>Please take your ID card and exam slip with you.</extracomment>
        <translation>请带好您的身份证和检查单。</translation>
    </message>
    <message>
        <source>ui.time_left</source>
        <extracomment>About {seconds} s left</extracomment>
        <translation>预计还需 {seconds} 秒</translation>
    </message>
    <message>
        <source>ui.type_code</source>
        <extracomment>Type the code</extracomment>
        <translation>输入号码</translation>
    </message>
    <message>
        <source>ui.waiting</source>
        <extracomment>Waiting</extracomment>
        <translation>等待中</translation>
    </message>
    <message>
        <source>ui.way_camera</source>
        <extracomment>Camera (QR codes)</extracomment>
        <translation>摄像头扫码区</translation>
    </message>
    <message>
        <source>ui.way_ehealth</source>
        <extracomment>E-health code</extracomment>
        <translation>电子健康卡</translation>
    </message>
    <message>
        <source>ui.way_idcard</source>
        <extracomment>ID card</extracomment>
        <translation>身份证</translation>
    </message>
    <message>
        <source>ui.way_slip</source>
        <extracomment>Exam slip</extracomment>
        <translation>检查单条码</translation>
    </message>
    <message>
        <source>voice.done</source>
        <extracomment>Printing is done. Please take your report and films, and your ID card.</extracomment>
        <translation>打印完成。请取走您的报告和胶片，带好身份证和检查单。</translation>
    </message>
    <message>
        <source>voice.error</source>
        <extracomment>Sorry, this did not work. Please read the screen, or ask at the desk.</extracomment>
        <translation>很抱歉，没能完成。请看屏幕上的说明，或到服务台咨询。</translation>
    </message>
    <message>
        <source>voice.exams</source>
        <extracomment>Please check these are your exams, then press Print.</extracomment>
        <translation>请确认这些是您的检查，然后按打印。</translation>
    </message>
    <message>
        <source>voice.finding</source>
        <extracomment>Finding your exams. Please wait.</extracomment>
        <translation>正在查找您的检查，请稍候。</translation>
    </message>
    <message>
        <source>voice.home</source>
        <extracomment>Hello. Please scan your exam slip or e-health code, or place your ID card on the reader.</extracomment>
        <translation>您好！请扫描检查单条码或电子健康卡，或者把身份证放在读卡区。</translation>
    </message>
    <message>
        <source>voice.keypad</source>
        <extracomment>Please type the number on your exam slip, then press Find.</extracomment>
        <translation>请输入检查单上的号码，然后按查找。</translation>
    </message>
    <message>
        <source>voice.printing</source>
        <extracomment>Printing. Please wait.</extracomment>
        <translation>正在打印，请稍候。</translation>
    </message>
</context>
</TS>
